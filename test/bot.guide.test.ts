import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createTestDatabase } from './helpers/db.js';
import { eventually, fakeResolver, seedAccount } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, silentLog, TEST_THROTTLE } from './helpers/telegramBot.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * The product guide (spec/webhooks-guide.txt) walked through in a Telegram chat, against a
 * whole gateway (workers, alerts and the bot as `npm start` wires them), a real receiver and
 * a Bot API server on loopback.
 */

let tg: FakeTelegram;
let rx: Receiver;
let gw: Runtime;
let drop: () => Promise<void>;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let failing = false;
const ADMIN = 5001;

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver((req, res) => (failing && req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? res.writeHead(500).end('boom: handler crashed') : res.writeHead(200).end('ok')));
  const db = await createTestDatabase();
  drop = db.drop;
  const config = loadConfig({
    DATABASE_URL: db.url,
    ROLES: 'workers,bot',
    ALLOW_PRIVATE_TARGETS: 'true',
    RETRY_SCHEDULE: 'none',
    WORKER_POLL_MS: '100',
    DELIVERY_TIMEOUT_MS: '2000',
    TEST_TIMEOUT_MS: '2000',
    ALERT_WINDOW: '1s',
    LOG_LEVEL: 'silent',
    ...botEnv(tg),
  });
  gw = await createRuntime(config, { logger: silentLog, resolve: fakeResolver, bot: { throttle: TEST_THROTTLE } });
  acct = await seedAccount(gw.core);
});
afterAll(async () => {
  await gw?.stop();
  await tg?.close();
  await rx?.close();
  await drop?.();
});

const last = (match: Parameters<FakeTelegram['waitFor']>[1]) => tg.waitFor(ADMIN, match);

describe('the webhooks guide, in a Telegram chat', () => {
  it('links the chat with a one-time code and registers the command menu', async () => {
    const { code } = await gw.core.admins.createLinkCode(acct.accountId);
    tg.send(ADMIN, `/start ${code}`);
    const m = await last('is now an admin chat of Acme');
    expect(m.text).toContain('/webhooks');
    const commands = tg.calls.find((c) => c.method === 'setMyCommands')?.payload.commands as Array<{ command: string }>;
    expect(commands.map((c) => c.command)).toEqual(expect.arrayContaining(['webhooks', 'add', 'test', 'logs', 'why', 'status', 'cancel', 'unlink']));
  });

  it('Add a webhook endpoint: /add asks name → URL → devices → events → secret → confirm, and writes nothing before Save → test', async () => {
    tg.send(ADMIN, '/add');
    await last('step 1 of 6');
    tg.send(ADMIN, '   ');
    await last('Name: must not be empty');
    tg.send(ADMIN, 'CRM');
    await last('step 2 of 6');
    tg.send(ADMIN, 'ftp://files.example.com/x');
    await last('must use http or https');
    tg.send(ADMIN, `${rx.url}/webhooks/kirisan`);
    let form = await last('step 3 of 6');
    tg.press(form, 'Support line');
    form = await last((m) => m.messageId === form.messageId && m.buttons.flat().some((b) => b.text.startsWith('✅ Support line')));
    tg.press(form, 'Telegram');
    form = await last((m) => m.messageId === form.messageId && m.buttons.flat().some((b) => b.text.includes('Helpdesk bot')));
    tg.press(form, 'Helpdesk bot');
    form = await last((m) => m.messageId === form.messageId && /Selected: .*Support line/.test(m.text) && /Selected: .*Helpdesk bot/.test(m.text));
    tg.press(form, 'Next');
    form = await last('step 4 of 6');
    tg.press(form, 'Message status');
    form = await last((m) => m.messageId === form.messageId && m.buttons.flat().some((b) => b.text === '✅ Message status'));
    tg.press(form, 'Next');
    await eventuallyAnswer('Message status is sent only for WABA devices');
    tg.press(form, 'Message status');
    form = await last((m) => m.messageId === form.messageId && m.buttons.flat().some((b) => b.text === '⬜ Message status'));
    tg.press(form, 'Submission');
    form = await last((m) => m.messageId === form.messageId && m.buttons.flat().some((b) => b.text === '✅ Submission'));
    tg.press(form, 'Next');
    await last('step 5 of 6');
    const secretMessageId = tg.send(ADMIN, 's3cret-value-1234');
    form = await last('step 6 of 6');
    expect(form.text).toContain('Signing secret: ••••1234');
    expect(tg.botMessages(ADMIN).some((m) => m.text.includes('s3cret-value'))).toBe(false);
    expect((await gw.core.webhooks.list(acct.accountId)).items).toHaveLength(0);

    tg.press(form, 'Save → test');
    const saved = await last('Saved CRM: 2 endpoints');
    expect(saved.text).toContain('Pending test');
    const [row] = (await gw.core.webhooks.list(acct.accountId)).items;
    expect(row).toMatchObject({ name: 'CRM', status: 'pending_test', deviceCount: 2, events: ['submission'], secretHint: '••••1234' });
    // The admin's message with the secret is gone once saved.
    expect(tg.messages(ADMIN).find((m) => m.messageId === secretMessageId)?.deleted).toBe(true);
  });

  it('Activate with a test: the payload preview as a code block, Send test, the result card, Active', async () => {
    tg.press(await last('Saved CRM'), 'Send test');
    const list = await last('Choose a test target');
    expect(list.text).toContain(`CRM · Support line · submission · ${rx.url}/webhooks/kirisan · pending`);
    tg.press(list, /^1$/);
    const preview = await last('Payload preview');
    expect(preview.html).toContain('<pre><code class="language-json">');
    expect(preview.text).toContain('"production": false');
    tg.press(preview, 'Send test');
    const card = await last('Success');
    expect(card.text).toMatch(/HTTP 200 · \d+ ms/);
    expect(card.text).toContain('Active: 2 endpoints');
    expect((await gw.core.webhooks.list(acct.accountId)).items[0]!.status).toBe('active');
  });

  it('a live event reaches the receiver and alerts nobody', async () => {
    const before = rx.received.length;
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    await rx.waitFor(before + 1);
    await eventually(async () => (await gw.core.logs.list(acct.accountId, { filter: { test: false } })).items.length > 0, 'the live attempt recorded');
    // An alert is only ever sent for an endpoint whose alert state says it is failing.
    const { rows } = await gw.db.pool.query(`select count(*)::int as n from alert_state where account_id = $1 and failing`, [acct.accountId]);
    expect(rows[0].n).toBe(0);
    expect(tg.botMessages(ADMIN).some((m) => m.text.includes('🔴'))).toBe(false);
  });

  it('Inspect a failed delivery: a failing receiver raises one alert with the diagnosis; Details shows the delivery', async () => {
    failing = true;
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    const alert = await last('CRM is failing');
    expect(alert.text).toContain('Last attempt: HTTP 500');
    expect(alert.text).toContain('Cause: Your server failed while handling the request (HTTP 500).');
    expect(alert.text).toContain('Fix: Check your server logs');
    expect(alert.buttons.flat().map((b) => b.text)).toEqual(['🔎 Details', '🔁 Retry now', '🔕 Mute 1 h', '🔕 Mute 24 h']);

    tg.press(alert, 'Details');
    const details = await last('Webhook delivery');
    expect(details.text).toContain('HTTP code: 500');
    expect(details.text).toContain('boom: handler crashed');
    expect(details.text).toContain('Fix:');
  });

  it('Fix your handler, then Retry now: the delivery succeeds, the alert reads Resolved without buttons, and the recovery replies under it', async () => {
    failing = false;
    const alert = await last('CRM is failing');
    tg.press(alert, 'Retry now');
    await last('is being sent again');
    const recovered = await last('CRM recovered');
    expect(recovered.text).toContain('after 1 failed attempt');
    expect(recovered.replyTo).toBe(alert.messageId);
    // waitFor hands out the live message: the alert as it reads now.
    expect(alert.text.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^✅ Resolved at .*: deliveries succeed again\.$/), '⚪ CRM is failing']);
    expect(alert.buttons).toEqual([]);
    const alerts = tg.botMessages(ADMIN).filter((m) => /CRM (is failing|recovered)/.test(m.text));
    expect(alerts.map((m) => m.messageId)).toEqual([alert.messageId, recovered.messageId]);
    const page = await gw.core.logs.list(acct.accountId, { filter: { test: false } });
    expect(page.items.map((a) => a.outcome)).toEqual(['success', 'failed', 'success']);
  });
});

async function eventuallyAnswer(text: string): Promise<void> {
  await eventually(() => tg.answers.some((a) => a.text?.includes(text)), `an answer containing "${text}"`);
}
