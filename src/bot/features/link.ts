import { Composer } from 'grammy';
import type { BotCore } from '../core.js';
import { NOT_LINKED } from '../access.js';
import { HELP } from '../commands.js';
import type { BotContext } from '../context.js';
import { esc } from '../html.js';
import { say } from '../ui.js';

/** /start <code> links the chat, /unlink unlinks it, /help explains. Works in any chat. */
export function linkFeature(core: Pick<BotCore, 'admins'>): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.command('start', async (ctx) => {
    const code = ctx.match.trim();
    if (!code) {
      await ctx.reply(ctx.admin ? `This chat administers ${ctx.admin.accountName}.\n\n${HELP}` : NOT_LINKED);
      return;
    }
    const chat = ctx.chat;
    const title = 'title' in chat ? chat.title : [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(' ') || null;
    const linked = await core.admins.link({ chatId: String(chat.id), code, title });
    ctx.admin = { accountId: linked.accountId, accountName: linked.accountName };
    await say(ctx, `✅ This chat is now an admin chat of <b>${esc(linked.accountName)}</b>. Failure alerts will come here.\n\n${esc(HELP)}`);
  });

  c.command('help', (ctx) => ctx.reply(ctx.admin ? HELP : NOT_LINKED));

  c.command('unlink', async (ctx) => {
    const chatId = String(ctx.chat.id);
    const r = await core.admins.unlink(chatId);
    if (!r.unlinked) {
      await ctx.reply(NOT_LINKED);
      return;
    }
    await core.admins.sessions.deleteAll(sessionKey(chatId, ''));
    delete ctx.admin;
    await say(ctx, `This chat is no longer linked to <b>${esc(r.accountName ?? '')}</b>: no more commands or alerts here.`);
  });

  return c;
}

/** A session per (chat, user): in a group each admin fills in their own forms. */
export const sessionKey = (chatId: string, userId: string) => `tg:${chatId}:${userId}`;
