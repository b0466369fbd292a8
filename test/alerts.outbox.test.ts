import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/config.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createTestDatabase } from './helpers/db.js';
import { eventually, fakeResolver, saveActive, seedAccount, testConfig } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, silentLog, TEST_THROTTLE } from './helpers/telegramBot.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * Alerts go through the database: the process that decides an alert puts it in the outbox,
 * and whichever process can carry it sends it. Here the deciding process runs delivery
 * workers without a Telegram token; the bot runs in other processes.
 */

let tg: FakeTelegram;
let rx: Receiver;
let dbUrl: string;
let drop: () => Promise<void>;
let decider: Runtime;
const others: Runtime[] = [];
let acct: Awaited<ReturnType<typeof seedAccount>>;
const ADMIN = 6001;

const start = (env: Partial<Record<keyof Env, string>>) =>
  createRuntime(testConfig({ DATABASE_URL: dbUrl, PORT: '0', HOST: '127.0.0.1', RETRY_SCHEDULE: 'none', ALERT_WINDOW: '10m', ...env }), { logger: silentLog, resolve: fakeResolver, bot: { throttle: TEST_THROTTLE } });

beforeAll(async () => {
  tg = await startFakeTelegram();
  // Live traffic fails; Send test succeeds (so webhooks can be made Active).
  rx = await startReceiver((req, res) => (req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? res.writeHead(503).end('busy') : res.writeHead(200).end('ok')));
  const db = await createTestDatabase();
  dbUrl = db.url;
  drop = db.drop;
  decider = await start({ ROLES: 'workers' });
  acct = await seedAccount(decider.core);
  // Linked the way /start <code> does; the chat gets the account's alerts.
  const { code } = await decider.core.admins.createLinkCode(acct.accountId);
  await decider.core.admins.link({ chatId: String(ADMIN), code });
});
afterAll(async () => {
  for (const r of others) await r.stop();
  await decider?.stop();
  await tg?.close();
  await rx?.close();
  await drop?.();
});

const failingWebhook = async (name: string) => {
  await saveActive(decider.core, acct.accountId, { name, url: `${rx.url}/${name}`, deviceIds: [acct.wa.id], events: ['submission'] });
};
const publish = () => decider.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
const outbox = async () => (await decider.db.pool.query<{ kind: string; recipient: string; tries: number }>(`select recipient_kind as kind, recipient, tries from alert_outbox order by id`)).rows;
const alertMessages = () => tg.botMessages(ADMIN).filter((m) => m.text.includes('is failing'));
const sendsToAdmin = () => tg.calls.filter((c) => c.method === 'sendMessage' && String(c.payload.chat_id) === String(ADMIN)).length;

describe('the alert outbox', () => {
  it('an alert decided where no Telegram notifier runs waits in the outbox, and a bot process started later sends it once', async () => {
    await failingWebhook('CRM');
    await publish();
    await eventually(async () => (await outbox()).length === 1, 'the alert queued');
    expect(await outbox()).toEqual([{ kind: 'chat', recipient: String(ADMIN), tries: 0 }]);
    // Nobody here can send it: the deciding process has no token.
    expect(sendsToAdmin()).toBe(0);

    others.push(await start({ ROLES: 'bot', ...botEnv(tg) }));
    const alert = await tg.waitFor(ADMIN, 'CRM is failing');
    expect(alert.buttons.flat().map((b) => b.text)).toEqual(['🔎 Details', '🔁 Retry now', '🔕 Mute 1 h', '🔕 Mute 24 h']);
    await eventually(async () => (await outbox()).length === 0, 'the outbox emptied');
    expect(sendsToAdmin()).toBe(1);
  });

  it('with two processes able to send, each alert reaches the chat exactly once', async () => {
    // A second sender: workers with the token (it also decides: two deciders, two senders).
    others.push(await start({ ROLES: 'workers', ...botEnv(tg) }));
    const before = sendsToAdmin();
    const names = ['Shop', 'Billing', 'Support', 'Ledger'];
    for (const name of names) await failingWebhook(name);
    await publish();
    await eventually(() => names.every((n) => alertMessages().some((m) => m.text.startsWith(`🔴 ${n} is failing`))), 'four alerts');
    await eventually(async () => (await outbox()).length === 0, 'the outbox emptied');
    expect(sendsToAdmin() - before).toBe(4);
    expect(alertMessages().map((m) => m.text.split('\n')[0]).sort()).toEqual(['CRM', ...names].map((n) => `🔴 ${n} is failing`).sort());
  });

  it('a send Telegram does not take is retried later, and the alert arrives once', async () => {
    const before = sendsToAdmin();
    tg.failNext('sendMessage', { error_code: 400, description: 'Bad Request: not now' });
    await failingWebhook('Orders');
    await publish();
    await tg.waitFor(ADMIN, 'Orders is failing');
    await eventually(async () => (await outbox()).length === 0, 'the outbox emptied');
    expect(sendsToAdmin() - before).toBe(2);
    expect(alertMessages().filter((m) => m.text.startsWith('🔴 Orders'))).toHaveLength(1);
  });
});
