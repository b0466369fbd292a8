import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueAlerts } from '../src/core/alerts/queue.js';
import { withTransaction } from '../src/db/transaction.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createTestDatabase } from './helpers/db.js';
import { eventually, fakeResolver, saveActive, seedAccount, testConfig } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, silentLog, TEST_THROTTLE } from './helpers/telegramBot.js';
import { labels } from './helpers/chat.js';
import { startFakeTelegram, type ChatMessage, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * Alerts that resolve in place, as Alertmanager and Grafana integrations do: the messages of
 * one failing episode form a thread in the admin chat, only the newest offers Retry now and
 * Mute, and the recovery turns them to "Resolved" without buttons and replies under the
 * alert that opened the episode. Against a gateway wired as `npm start` wires it.
 */

let tg: FakeTelegram;
let rx: Receiver;
let gw: Runtime;
let drop: () => Promise<void>;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let failing = true;
const ADMIN = 6101;

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver((req, res) => (failing && req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? res.writeHead(503).end('busy') : res.writeHead(200).end('ok')));
  const db = await createTestDatabase();
  drop = db.drop;
  const config = testConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', ROLES: 'workers,bot', RETRY_SCHEDULE: 'none', ALERT_WINDOW: '1s', ...botEnv(tg) });
  gw = await createRuntime(config, { logger: silentLog, resolve: fakeResolver, bot: { throttle: TEST_THROTTLE } });
  acct = await seedAccount(gw.core);
  const { code } = await gw.core.admins.createLinkCode(acct.accountId);
  tg.send(ADMIN, `/start ${code}`);
  await tg.waitFor(ADMIN, 'is now an admin chat');
});
afterAll(async () => {
  await gw?.stop();
  await tg?.close();
  await rx?.close();
  await drop?.();
});

const publish = () => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
const liveAttempts = async () => Number((await gw.db.pool.query(`select count(*)::int as n from attempt where account_id = $1 and not test`, [acct.accountId])).rows[0].n);

describe('alerts that resolve in place', () => {
  let firing: ChatMessage;
  let summary: ChatMessage;

  it('the first failure alerts with Details, Retry now and Mute', async () => {
    await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/crm`, deviceIds: [acct.wa.id], events: ['submission'] });
    await publish();
    firing = await tg.waitFor(ADMIN, 'CRM is failing');
    expect(labels(firing)).toEqual(['🔎 Details', '🔁 Retry now', '🔕 Mute 1 h', '🔕 Mute 24 h']);
  });

  it('summaries of later failures reply under the alert; only the newest message offers the buttons', async () => {
    await publish();
    await publish();
    // Both failures told (one summary, or two if the window passed between them on a busy machine).
    const summaries = () => tg.botMessages(ADMIN).filter((m) => /^🔴 CRM: \d+ more failures? in the last 1 s/.test(m.text));
    const told = () => summaries().reduce((n, m) => n + Number(/(\d+) more/.exec(m.text)![1]), 0);
    await eventually(() => told() === 2, 'the two failures summarised');
    summary = summaries().at(-1)!;
    expect(summaries().every((m) => m.replyTo === firing.messageId)).toBe(true);
    expect(labels(summary)).toEqual(['🔎 Details', '🔁 Retry now', '🔕 Mute 1 h', '🔕 Mute 24 h']);
    await eventually(() => [firing, ...summaries().slice(0, -1)].every((m) => m.buttons.length === 0), 'the buttons off the older messages');
    expect(firing.text.startsWith('🔴 CRM is failing')).toBe(true);
  });

  it('the recovery resolves the thread: both messages read Resolved, offer nothing, and the recovery replies under the alert', async () => {
    failing = false;
    const attempts = await liveAttempts();
    await publish();
    await eventually(async () => (await liveAttempts()) > attempts, 'the successful attempt');
    const recovered = await tg.waitFor(ADMIN, 'CRM recovered');
    expect(recovered.text).toContain('after 3 failed attempts');
    expect(recovered.replyTo).toBe(firing.messageId);
    expect(recovered.buttons).toEqual([]);
    for (const m of [firing, summary]) {
      expect(m.text).toMatch(/^✅ Resolved at .*: deliveries succeed again\.\n⚪ CRM/);
      expect(m.buttons).toEqual([]);
    }
    // The cause stays readable in the resolved alert.
    expect(firing.text).toContain('Cause: Your server rejected the request or was overloaded (HTTP 503).');
    // The thread ends once the recovery is delivered.
    await eventually(async () => (await gw.db.pool.query(`select count(*)::int as n from alert_thread`)).rows[0].n === 0, 'the thread closed');
  });

  it('the next failure opens a new thread', async () => {
    failing = true;
    const before = firing.messageId;
    await publish();
    const again = await tg.waitFor(ADMIN, (m) => m.messageId > before && m.text.startsWith('🔴 CRM is failing'));
    expect(again.replyTo).toBeNull();
    expect(labels(again)).toContain('🔁 Retry now');
  });

  it('a disabled endpoint’s alert offers Details and Enable, in the open thread', async () => {
    const open = tg.botMessages(ADMIN).filter((m) => m.text.startsWith('🔴 CRM is failing')).at(-1)!;
    const [endpoint] = await gw.core.webhooks.endpoints(acct.accountId, (await gw.core.webhooks.list(acct.accountId)).items[0]!.id);
    await withTransaction(gw.db.pool, (client) =>
      queueAlerts(client, [{ kind: 'disabled', accountId: acct.accountId, endpointId: endpoint!.id, webhookId: endpoint!.webhookId, webhookName: 'CRM', url: endpoint!.url, failures: 0, windowMs: 1000, lastFailure: null, disabledReason: 'gone', at: new Date() }]),
    );
    const disabled = await tg.waitFor(ADMIN, /^⛔ CRM is disabled/);
    expect(disabled.text).toContain('CRM is disabled because the receiver answered 410 Gone: it receives no events until it is enabled again');
    expect(labels(disabled)).toEqual(['🔎 Details', '✅ Enable']);
    expect(disabled.replyTo).toBe(open.messageId);
    await eventually(() => open.buttons.length === 0, 'the buttons off the failing alert');
  });
});
