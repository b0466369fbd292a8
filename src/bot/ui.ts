import { GrammyError, type InlineKeyboard } from 'grammy';
import type { BotContext } from './context.js';

/**
 * Shows a screen: on a button press it replaces the message the button was on (menus stay
 * one message), otherwise it sends a new one.
 */
export async function show(ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (message) {
    try {
      await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: { is_disabled: true } });
      return;
    } catch (e) {
      // Pressing the same button twice asks for the same screen: nothing to change.
      if (e instanceof GrammyError && e.description.includes('message is not modified')) return;
      throw e;
    }
  }
  await say(ctx, text, keyboard);
}

/** Sends a new message in the chat. */
export async function say(ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<void> {
  await ctx.reply(text, { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: { is_disabled: true } });
}

/** Answers a button press (stops its spinner), with a short toast when given. */
export async function ack(ctx: BotContext, text?: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery(text ? { text } : undefined);
}
