import type { APIThrottlerOptions } from '@grammyjs/transformer-throttler';
import { createBot, type TelegramBot } from '../../src/bot/createBot.js';
import type { Core } from '../../src/core/index.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { TEST_TOKEN, type FakeTelegram } from './telegramServer.js';

/**
 * Outgoing messages still pass the throttler, without Telegram's one-message-per-second per
 * chat pacing (a conversation test sends dozens).
 */
export const TEST_THROTTLE: APIThrottlerOptions = { global: { maxConcurrent: 30 }, group: { maxConcurrent: 1 }, out: { maxConcurrent: 1 } };

export const silentLog = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** Settings that point the bot at the fake Bot API server. */
export const botEnv = (tg: FakeTelegram) => ({ TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });

/** The bot on a test core, long polling the fake server. */
export async function startTestBot(config: Config, core: Core): Promise<TelegramBot> {
  const bot = createBot(config, core, { log: silentLog, throttle: TEST_THROTTLE });
  bot.start();
  await bot.ready;
  return bot;
}

/** Links a private chat to an account the way an admin does: a fresh code, then /start <code>. */
export async function linkChat(tg: FakeTelegram, core: Core, accountId: string, chatId: number): Promise<void> {
  const { code } = await core.admins.createLinkCode(accountId);
  tg.send(chatId, `/start ${code}`);
  await tg.waitFor(chatId, 'is now an admin chat');
}
