import type { MiddlewareFn } from 'grammy';
import { CoreError } from '../core/errors.js';
import type { BotCore } from './core.js';
import type { BotContext } from './context.js';
import { commandTarget } from './ui.js';

export const NOT_LINKED =
  'This bot is for Kirisan admins, and this chat is not linked to an account. ' +
  'Create a link code for your account (in the API, or with npm run link-code -- <accountId> on the server) ' +
  'and send /start <code> here (or open the link that comes with it). Codes work once and expire soon.';

/** Looks up which account the chat administers (if any) before any feature runs. */
export function identifyChat(core: Pick<BotCore, 'admins'>): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (ctx.chat) {
      const chat = await core.admins.accountOf(String(ctx.chat.id));
      if (chat) ctx.admin = { accountId: chat.accountId, accountName: chat.accountName };
    }
    await next();
  };
}

/**
 * Everything after this runs in linked chats only. Others get the explanation, on a command,
 * a button or a private message; group chatter that was not addressed to the bot is ignored.
 */
export const requireLinkedChat: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (ctx.admin) return next();
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery({ text: 'This chat is not linked to a Kirisan account: nothing was changed. Send /start <code> to link it.', show_alert: true });
    return;
  }
  const target = commandTarget(ctx);
  if (target === 'us' || (target === null && ctx.message?.text !== undefined && ctx.chat?.type === 'private')) await ctx.reply(NOT_LINKED);
};

/** The account the chat administers; the access middleware guarantees it past requireLinkedChat. */
export function accountOf(ctx: BotContext): string {
  if (!ctx.admin) throw new CoreError('UNAUTHENTICATED', 'this chat is not linked to an account');
  return ctx.admin.accountId;
}
