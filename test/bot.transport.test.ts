import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../src/db/embedded.js';
import { eventually, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { Undeliverable } from '../src/core/alerts/types.js';
import { constructedAlert } from './helpers/alerts.js';
import { botEnv, startTestBot } from './helpers/telegramBot.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/** How the bot meets Telegram: webhook mode with a secret token, and Telegram's rate limits. */

const SECRET = 'webhook-secret-token-0123456789';
let tg: FakeTelegram;
let gw: TestGateway;
let bot: TelegramBot;
let hookUrl: string;

beforeAll(async () => {
  tg = await startFakeTelegram();
  const port = await freePort();
  gw = await startTestGateway({
    ...botEnv(tg),
    HOST: '127.0.0.1',
    TELEGRAM_BOT_MODE: 'webhook',
    TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/updates',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_WEBHOOK_PORT: String(port),
  });
  bot = await startTestBot(gw.config, gw.core);
  hookUrl = `http://127.0.0.1:${port}/telegram/updates`;
});
afterAll(async () => {
  await bot?.stop();
  await gw?.close();
  await tg?.close();
});

let updateId = 1;
const helpUpdate = (chatId: number) => ({
  update_id: updateId++,
  message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'A' }, from: { id: chatId, is_bot: false, first_name: 'A' }, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] },
});
const post = (body: unknown, secret?: string) =>
  fetch(hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(body) });

describe('webhook mode', () => {
  it('registers the webhook URL with the secret token on start', () => {
    const set = tg.calls.find((c) => c.method === 'setWebhook');
    expect(set?.payload).toMatchObject({ url: 'https://bot.example.com/telegram/updates', secret_token: SECRET });
    expect(tg.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  });

  it('an update posted with the secret token is handled', async () => {
    const res = await post(helpUpdate(4242), SECRET);
    expect(res.status).toBe(200);
    await tg.waitFor(4242, 'send /start <code> here');
  });

  it('an update without the right secret token is refused with 401 and not handled', async () => {
    expect((await post(helpUpdate(4343))).status).toBe(401);
    expect((await post(helpUpdate(4343), 'wrong-secret-token-0123456789')).status).toBe(401);
    // A fence: the same update with the secret is answered once; the refused ones never were.
    expect((await post(helpUpdate(4343), SECRET)).status).toBe(200);
    await tg.waitFor(4343, 'send /start <code> here');
    expect(tg.botMessages(4343)).toHaveLength(1);
  });
});

describe('bot settings', () => {
  it('webhook mode without its URL and secret stops at start, naming both variables', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_MODE: 'webhook' })).toThrow(/TELEGRAM_WEBHOOK_URL: .*\n\s+TELEGRAM_WEBHOOK_SECRET: /);
    expect(() => loadConfig({ TELEGRAM_BOT_MODE: 'webhook', TELEGRAM_WEBHOOK_URL: 'http://bot.example.com/x', TELEGRAM_WEBHOOK_SECRET: SECRET })).toThrow(/TELEGRAM_WEBHOOK_URL: webhook mode needs the public https:\/\//);
  });

  it('alert window, threshold and link code lifetime are durations and counts', () => {
    expect(loadConfig({}).alerts).toEqual({ windowMs: 600_000, threshold: 1 });
    expect(loadConfig({ ALERT_WINDOW: '30s', ALERT_THRESHOLD: '3', LINK_CODE_TTL: '5m' })).toMatchObject({ alerts: { windowMs: 30_000, threshold: 3 }, admins: { linkCodeTtlMs: 300_000 }, bot: { mode: { kind: 'polling' } } });
    expect(() => loadConfig({ ALERT_WINDOW: 'soon' })).toThrow(/ALERT_WINDOW/);
  });
});

describe("Telegram's rate limits", () => {
  it('an alert refused with 429 is sent again after retry_after (auto-retry)', async () => {
    const acct = await seedAccount(gw.core);
    const { code } = await gw.core.admins.createLinkCode(acct.accountId);
    await gw.core.admins.link({ chatId: '4444', code });
    tg.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const started = Date.now();
    await bot.notifier.send(constructedAlert({ kind: 'recovered', accountId: acct.accountId, failures: 2 }), { kind: 'chat', address: '4444' }, []);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(tg.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === '4444')).toHaveLength(2);
    await tg.waitFor(4444, 'CRM recovered');
  });

  it('a chat Telegram refuses (bot blocked) cannot get the alert: Undeliverable, so the outbox drops it for that chat only', async () => {
    const acct = await seedAccount(gw.core, 'Two chats');
    for (const chatId of ['4501', '4502']) {
      const { code } = await gw.core.admins.createLinkCode(acct.accountId);
      await gw.core.admins.link({ chatId, code });
    }
    const alert = constructedAlert({ kind: 'recovered', accountId: acct.accountId, webhookName: 'Shop' });
    tg.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await expect(bot.notifier.send(alert, { kind: 'chat', address: '4501' }, [])).rejects.toBeInstanceOf(Undeliverable);
    await bot.notifier.send(alert, { kind: 'chat', address: '4502' }, []);
    expect(tg.botMessages(4501)).toHaveLength(0);
    expect(tg.botMessages(4502).map((m) => m.text.split('\n')[0])).toEqual(['✅ Shop recovered: deliveries succeed again after 1 failed attempt.']);
  });

  it('a chat that no longer administers the account gets none of its alerts', async () => {
    const acct = await seedAccount(gw.core, 'Moved');
    const { code } = await gw.core.admins.createLinkCode(acct.accountId);
    await gw.core.admins.link({ chatId: '4601', code });
    await gw.core.admins.unlink('4601');
    await expect(bot.notifier.send(constructedAlert({ accountId: acct.accountId }), { kind: 'chat', address: '4601' }, [])).rejects.toBeInstanceOf(Undeliverable);
    expect(tg.botMessages(4601)).toHaveLength(0);
  });
});

