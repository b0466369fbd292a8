import type { ChatMessage, FakeTelegram } from './telegramServer.js';

/** The texts of a message's buttons, row after row. */
export const labels = (m: ChatMessage): string[] => m.buttons.flat().map((b) => b.text);

/**
 * Waits in one chat: `mark()` notes where the chat stands, `fresh(mark, text)` waits for a
 * bot message sent after that point, `edited(m, test)` for the next edit of a message
 * (waitFor hands out the live message, so its version is read at the call). `telegram` is
 * read at each call: test files set it up in beforeAll.
 */
export function chatWaits(telegram: () => FakeTelegram, chatId: number) {
  const tg = () => telegram();
  return {
    mark: () => tg().messages(chatId).length,
    fresh: (since: number, text: string | RegExp) =>
      tg().waitFor(chatId, (m) => m.messageId > since && (typeof text === 'string' ? m.text.includes(text) : text.test(m.text))),
    edited: (m: ChatMessage, test: (x: ChatMessage) => boolean) => {
      const version = m.version;
      return tg().waitFor(chatId, (x) => x.messageId === m.messageId && x.version > version && test(x));
    },
  };
}
