/**
 * Telegram's own limits, as the Bot API documents them, for the fake Bot API server to
 * enforce. Kept apart from the bot's code on purpose: the bot fits its messages to its own
 * figures, and these are the ones that check it.
 */
export const LIMITS = {
  /** sendMessage / editMessageText: 1-4096 characters after entities parsing. */
  messageText: 4096,
  /** InlineKeyboardButton.callback_data: 1-64 bytes. */
  callbackData: 64,
  /** answerCallbackQuery text: 0-200 characters. */
  callbackAnswer: 200,
  /** Buttons in one inline keyboard (Telegram refuses larger markups). */
  buttons: 100,
  buttonsPerRow: 8,
  /** setMyDescription: 0-512 characters; setMyShortDescription: 0-120. */
  description: 512,
  shortDescription: 120,
  /** BotCommand.description: 1-256 characters. */
  commandDescription: 256,
} as const;

/** Tags of Telegram's HTML style (https://core.telegram.org/bots/api#html-style). */
const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);
const ENTITIES = new Set(['lt', 'gt', 'amp', 'quot']);

/** What Telegram would say about the HTML of a message, or null when it parses. */
export function checkTelegramHtml(html: string): string | null {
  const open: string[] = [];
  const token = /<(\/?)([a-zA-Z-]+)([^>]*)>|&(#?\w+);|[<>&]/g;
  for (let m = token.exec(html); m; m = token.exec(html)) {
    const [whole, closing, tag, , entity] = m;
    if (entity !== undefined) {
      if (!ENTITIES.has(entity) && !/^#\d+$/.test(entity)) return `unsupported entity "&${entity};" at byte offset ${m.index}`;
      continue;
    }
    if (tag === undefined) return `unexpected "${whole}" at byte offset ${m.index}: escape it`;
    const name = tag.toLowerCase();
    if (!TAGS.has(name)) return `unsupported start tag "${name}" at byte offset ${m.index}`;
    if (closing) {
      if (open.pop() !== name) return `unexpected end tag "${name}" at byte offset ${m.index}`;
    } else {
      open.push(name);
    }
  }
  return open.length ? `can't find end tag corresponding to start tag "${open[open.length - 1]}"` : null;
}
