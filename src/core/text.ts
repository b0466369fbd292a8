import { z } from 'zod';
import { invalid } from './errors.js';

/**
 * The one text rule of every name, label and identifier a person or a publisher gives the
 * gateway (account, API key, device, webhook, device token, idempotency key, searches): no
 * character that is invisible or that changes how the rest is displayed. These let a name
 * look like another (`pay\u200Bpal`), read backwards (`safe\u202Egnp.exe` shows as
 * "safeexe.png"), break a log line or a chat message (NUL, ESC, line separators), or turn
 * into U+FFFD on the way into PostgreSQL (an unpaired surrogate), and PostgreSQL refuses NUL
 * outright. Refused, never stripped: a silent edit would make two different inputs equal.
 *
 * Joiners are the exception that real names need: U+200C/U+200D between two letters of a
 * non-Latin script (Persian, Indic conjuncts) and U+200D inside an emoji sequence (👩‍💻).
 */
const REFUSED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Noncharacter_Code_Point}]/gu;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u180E]/u;
const SCRIPT_LETTER = /[\p{L}\p{M}]/u;
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]/u;

export interface HiddenCharacter {
  /** `U+202E` */
  codePoint: string;
  /** 1-based position in characters (code points). */
  position: number;
  /** What it is, in words. */
  kind: string;
}

/** The first refused character of `text`, or null when there is none. */
export function findHiddenCharacter(text: string): HiddenCharacter | null {
  REFUSED.lastIndex = 0;
  for (let m = REFUSED.exec(text); m; m = REFUSED.exec(text)) {
    const ch = m[0];
    if (joinsNeighbours(text, m.index, ch)) continue;
    const cp = ch.codePointAt(0)!;
    return {
      codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`,
      position: [...text.slice(0, m.index)].length + 1,
      kind: kindOf(ch),
    };
  }
  return null;
}

function joinsNeighbours(text: string, index: number, ch: string): boolean {
  if (ch !== '\u200C' && ch !== '\u200D') return false;
  const before = [...text.slice(0, index)].at(-1);
  const after = [...text.slice(index + 1)][0];
  if (before === undefined || after === undefined) return false;
  const letter = (c: string) => SCRIPT_LETTER.test(c) && c.codePointAt(0)! > 0x24f;
  if (letter(before) && letter(after)) return true;
  return ch === '\u200D' && EMOJI.test(before) && EMOJI.test(after);
}

function kindOf(ch: string): string {
  if (/\p{Cs}/u.test(ch)) return 'an unpaired surrogate (broken UTF-16)';
  if (BIDI.test(ch)) return 'a bidirectional control character, which reorders how text is displayed';
  if (ZERO_WIDTH.test(ch)) return 'a zero-width character';
  if (/\p{Cc}/u.test(ch)) return 'a control character';
  if (/[\p{Zl}\p{Zp}]/u.test(ch)) return 'a line or paragraph separator';
  if (/\p{Noncharacter_Code_Point}/u.test(ch)) return 'a Unicode noncharacter';
  return 'an invisible formatting character';
}

export function hiddenCharacterReason(found: HiddenCharacter): string {
  return `must not contain invisible or control characters: ${found.codePoint} at character ${found.position} is ${found.kind}`;
}

/** Throws VALIDATION_FAILED naming `field` when `text` holds a refused character. */
export function refuseHiddenCharacters(field: string, text: string): void {
  const found = findHiddenCharacter(text);
  if (found) throw invalid(field, hiddenCharacterReason(found));
}

/** The rule as a zod refinement, for schemas (the issue path names the field). */
export const visibleText = z.string({ message: 'is required' }).superRefine((text, ctx) => {
  const found = findHiddenCharacter(text);
  if (found) ctx.addIssue({ code: 'custom', message: hiddenCharacterReason(found) });
});

/** A name or label: visible text, trimmed, 1 to `max` characters. */
export const displayName = (max: number) =>
  visibleText.pipe(z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));
