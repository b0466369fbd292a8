import { GrammyError, type InlineKeyboard } from 'grammy';
import type { ForceReply } from 'grammy/types';
import type { BotContext } from './context.js';
import { esc } from './html.js';

const NO_PREVIEW = { is_disabled: true } as const;

/**
 * Shows a screen: on a button press it replaces the message the button was on (menus stay
 * one message), otherwise it sends a new one.
 */
export async function show(ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (message) {
    try {
      await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: NO_PREVIEW });
      return;
    } catch (e) {
      // Pressing the same button twice asks for the same screen: nothing to change.
      if (e instanceof GrammyError && e.description.includes('message is not modified')) return;
      throw e;
    }
  }
  await say(ctx, text, keyboard);
}

/** Sends a new message in the chat; returns its id. */
export async function say(ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<number> {
  const m = await ctx.reply(text, { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: NO_PREVIEW });
  return m.message_id;
}

/**
 * Asks for typed text. force_reply makes the client open a reply, which is what reaches a bot
 * in a privacy-mode group; `selective` aims it at the admin who is filling the form (the one
 * whose message it replies to, or who is mentioned when a button asked).
 */
export async function ask(ctx: BotContext, text: string, placeholder?: string): Promise<number> {
  const group = ctx.chat?.type !== 'private';
  const markup: ForceReply = { force_reply: true, selective: group, ...(placeholder ? { input_field_placeholder: placeholder } : {}) };
  const replyTo = group && ctx.message ? { reply_parameters: { message_id: ctx.message.message_id } } : {};
  const who = group && !ctx.message && ctx.from ? `<a href="tg://user?id=${ctx.from.id}">${esc(ctx.from.first_name)}</a>, ` : '';
  const m = await ctx.reply(`${who}${text}`, { parse_mode: 'HTML', reply_markup: markup, link_preview_options: NO_PREVIEW, ...replyTo });
  return m.message_id;
}

/** Answers a button press (stops its spinner), with a short toast when given. */
export async function ack(ctx: BotContext, text?: string): Promise<void> {
  if (ctx.callbackQuery && !ctx.answered) await ctx.answerCallbackQuery(text ? { text } : undefined);
}

/**
 * Whether a text message is an answer to a form: in a private chat any text is; in a group
 * only a reply to the bot, so an admin's chatter in the group never fills their form.
 */
export function isFormAnswer(ctx: BotContext): boolean {
  if (ctx.chat?.type === 'private') return true;
  return ctx.message?.reply_to_message?.from?.id === ctx.me.id;
}

/**
 * Whom a command is for: this bot (`/status@kirisan_bot`, or any command in a private chat),
 * another bot (`/status@grafana_bot`), any bot of a group (`/deploy`), or not a command.
 */
export function commandTarget(ctx: BotContext): 'us' | 'other' | 'any' | null {
  const m = /^\/\w+(?:@(\w+))?/.exec(ctx.message?.text ?? '');
  if (!m) return null;
  if (m[1]) return m[1].toLowerCase() === ctx.me.username.toLowerCase() ? 'us' : 'other';
  return ctx.chat?.type === 'private' ? 'us' : 'any';
}
