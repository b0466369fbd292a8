/**
 * Telegram's limits, which every message the bot sends fits by construction: lists are cut
 * to what fits and say how many more there are; buttons carry ids, never names.
 */
export const TELEGRAM = {
  /** Characters of a message's text, as shown (HTML tags do not count, entities count once). */
  text: 4096,
  /** Bytes of a button's callback data. */
  callbackData: 64,
  /** Characters of a button-press answer (toast). */
  toast: 200,
  /** Buttons of one inline keyboard. */
  buttons: 100,
} as const;

/** Room kept for the lines a screen adds around a list (header, footer, "… and N more"). */
const MARGIN = 96;

/** What a Telegram client shows of the bot's HTML: its length is what Telegram counts. */
export function shownLength(html: string): number {
  return html.replace(/<[^>]+>/g, '').replace(/&(lt|gt|amp|quot|#\d+);/g, '_').length;
}

/**
 * A message made of fixed lines and a list: as many list lines as fit, then `more(n)` for
 * the n left out. A single line longer than a message is cut (a list line never is: lines
 * that do not fit are counted instead).
 */
export function fitList(head: string[], items: string[], tail: string[], more: (left: number) => string, max: number = TELEGRAM.text): string {
  const fixed = shownLength([...head, ...tail].join('\n'));
  let used = fixed + MARGIN;
  let kept = 0;
  for (const line of items) {
    const n = shownLength(line) + 1;
    if (used + n > max) break;
    used += n;
    kept++;
  }
  const shown = items.slice(0, kept);
  if (kept < items.length) shown.push(more(items.length - kept));
  return [...head, ...shown, ...tail].join('\n');
}

/** The fixed lines of a message, cut to fit with a visible mark (never cutting inside a tag or entity). */
export function fitText(html: string, max: number = TELEGRAM.text): string {
  if (shownLength(html) <= max) return html;
  const lines = html.split('\n');
  const out: string[] = [];
  let used = 2;
  for (const line of lines) {
    const n = shownLength(line) + 1;
    if (used + n > max) break;
    out.push(line);
    used += n;
  }
  return `${out.join('\n')}\n…`;
}

/** A button caption: Telegram shows about one line; longer ones are cut with an ellipsis. */
export const caption = (text: string, max = 60): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
