import { GrammyError, type BotError } from 'grammy';
import { publicError, type CoreError } from '../core/errors.js';
import type { Logger } from '../log.js';
import type { BotContext } from './context.js';
import { esc } from './html.js';
import { NOT_LINKED } from './access.js';

/**
 * The bot's one error boundary: core refusals become short replies (the same codes GraphQL
 * maps to extensions.code), anything else is logged in full and answered with an opaque line.
 */
export function replyFor(e: CoreError): string {
  switch (e.code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_URL':
    case 'PRIVATE_TARGET_REFUSED':
      return `❌ ${e.message}`;
    case 'NOT_FOUND':
      return 'Not found in this account (it may have been deleted).';
    case 'CONFLICT':
      return `⚠️ ${e.message}`;
    case 'BAD_CURSOR':
      return 'This list changed meanwhile: open it again.';
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return NOT_LINKED;
    case 'UNAVAILABLE':
      return '⏳ The gateway cannot reach its database right now. Nothing was lost: try again in a few seconds.';
  }
}

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
      const toasted = ctx.callbackQuery && text.length <= 200 && (await ctx.answerCallbackQuery({ text, show_alert: true }).then(() => true, () => false));
      if (!toasted && ctx.chat) await ctx.reply(esc(text), { parse_mode: 'HTML' });
      if (!toasted && ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    } catch (e) {
      // The answer itself failed (chat gone, query too old): nothing more to tell anyone.
      if (!(e instanceof GrammyError)) log.error({ err: e }, 'bot error reply failed');
    }
  };
}
