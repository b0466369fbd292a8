import { GrammyError, type BotError, type MiddlewareFn } from 'grammy';
import { publicError, type CoreError } from '../core/errors.js';
import { refusalText } from '../core/fields.js';
import type { Logger } from '../log.js';
import type { BotContext } from './context.js';
import { esc } from './html.js';
import { NOT_LINKED } from './access.js';
import { TELEGRAM } from './limits.js';

/**
 * The bot's one error boundary: core refusals become short replies (the same codes GraphQL
 * maps to extensions.code), anything else is logged in full and answered with an opaque line.
 */
export function replyFor(e: CoreError): string {
  switch (e.code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_URL':
    case 'PRIVATE_TARGET_REFUSED':
    case 'PAYLOAD_TOO_LARGE':
    case 'PAYLOAD_TOO_DEEP':
      return `❌ ${refusalText(e)}`;
    case 'RATE_LIMITED':
      return `⏳ ${e.message}`;
    case 'NOT_FOUND':
      return 'Not found in this account (it may have been deleted).';
    case 'CONFLICT':
      // The one conflict a chat meets on its own: linking a chat that serves another account.
      return `⚠️ ${e.reason}${e.field === 'chatId' ? ' (send /unlink here, then /start with the new code)' : ''}`;
    case 'BAD_CURSOR':
      return 'This list changed meanwhile: open it again.';
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return NOT_LINKED;
    case 'UNAVAILABLE':
      return '⏳ The gateway cannot reach its database right now. Nothing was lost: try again in a few seconds.';
  }
}

/**
 * Telegram takes one answer per button press and refuses a second: the first answer wins
 * (a handler that answers before a slow action, then fails, gets its refusal in the chat),
 * and a press nobody answered is answered when the update is done, so no spinner is left.
 */
export const answerOnce: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (!ctx.callbackQuery) return next();
  const answer = ctx.answerCallbackQuery.bind(ctx);
  ctx.answerCallbackQuery = (...args: Parameters<typeof answer>) => {
    if (ctx.answered) return Promise.resolve(true);
    ctx.answered = true;
    return answer(...args);
  };
  await next();
  if (!ctx.answered) await ctx.answerCallbackQuery();
};

const INTERNAL = 'Something went wrong on our side. Please try again in a moment.';

export function errorBoundary(log: Logger) {
  return async (err: BotError<BotContext>): Promise<void> => {
    const { ctx, error } = err;
    let text: string;
    const known = publicError(error);
    if (known) {
      text = replyFor(known);
    } else {
      log.error({ err: error, update: ctx.update.update_id }, 'bot update failed');
      text = INTERNAL;
    }
    try {
      // A toast holds 200 characters, and a button press can be answered only once (a slow
      // action answers first): otherwise the refusal goes to the chat.
      const toasted = ctx.callbackQuery && !ctx.answered && text.length <= TELEGRAM.toast && (await ctx.answerCallbackQuery({ text, show_alert: true }).then(() => true, () => false));
      if (!toasted && ctx.chat) await ctx.reply(esc(text), { parse_mode: 'HTML' });
      if (!toasted && ctx.callbackQuery && !ctx.answered) await ctx.answerCallbackQuery().catch(() => undefined);
    } catch (e) {
      // The answer itself failed (chat gone, query too old): nothing more to tell anyone.
      if (!(e instanceof GrammyError)) log.error({ err: e }, 'bot error reply failed');
    }
  };
}
