import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertService, type AlertService } from '../src/core/alerts/service.js';
import type { Alert } from '../src/core/alerts/types.js';
import { eventually, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * Two gateway processes on one database (each with its own pool, LISTEN connection, delivery
 * worker and alert service) share one alert policy: every alert is sent exactly once.
 */

/**
 * Two POSTs in flight per process, and a receiver that holds the first burst's failing POSTs
 * until all four are in flight: so two are A's and two are B's, whatever the machine's load
 * (the delivery timeout is far above the wait). Bursts stay under the delivery breaker's
 * threshold (five failures in a row pause an endpoint), which would only slow the test down.
 */
const ENV = { ALERT_WINDOW: '1s', RETRY_SCHEDULE: 'none', WORKER_BATCH_SIZE: '2', WORKER_CONCURRENCY: '2', DELIVERY_TIMEOUT_MS: '120000' };
const BURST = 4;
let a: TestGateway;
let b: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let endpointId: string;
let failing = true;
const sent: Array<Alert & { by: string }> = [];
const observed = { A: 0, B: 0 };
const held: Array<() => void> = [];
let holding = true;
const services: AlertService[] = [];

function startAlerts(gw: TestGateway, by: 'A' | 'B') {
  gw.core.events.on('dispatch:attempts', ({ attempts }) => void (observed[by] += attempts.length));
  services.push(startAlertService({ pool: gw.db.pool, events: gw.core.events, settings: gw.config.alerts, diagnosis: gw.config.delivery, tickMs: 50, onAlert: (alert) => void sent.push({ ...alert, by }) }));
}

beforeAll(async () => {
  rx = await startReceiver((req, res) => {
    const live = req.headers['user-agent'] === 'Kirisan-Webhook/1.0';
    if (!(failing && live)) return void res.writeHead(200).end('ok');
    if (!holding) return void res.writeHead(503).end('busy');
    held.push(() => res.writeHead(503).end('busy'));
    if (held.length < BURST) return;
    holding = false;
    for (const answer of held.splice(0)) answer();
  });
  a = await startTestGateway(ENV);
  b = await startTestGateway(ENV, { url: a.url });
  acct = await seedAccount(a.core);
  const saved = await a.core.webhooks.save(acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
  endpointId = saved.endpoints[0]!.id;
  const [target] = await a.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
  expect((await a.core.tests.send(acct.accountId, target!.id)).success).toBe(true);
  startAlerts(a, 'A');
  startAlerts(b, 'B');
  a.startWorker();
  b.startWorker();
});
afterAll(async () => {
  for (const s of services) await s.stop();
  await b?.close();
  await a?.close();
  await rx?.close();
});

const publish = (n: number) =>
  Promise.all(Array.from({ length: n }, () => a.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) })));
const liveAttempts = async () => Number((await a.db.pool.query(`select count(*)::int as n from attempt where endpoint_id = $1 and not test`, [endpointId])).rows[0].n);
const kinds = () => sent.map((s) => s.kind);
/**
 * Both processes have evaluated every live attempt and nothing is left to report: the alert
 * state (committed before any message is sent) has seen the newest attempt and holds no
 * pending failures, so no further alert can be decided without new attempts.
 */
const settled = () =>
  eventually(async () => {
    const { rows } = await a.db.pool.query<{ done: boolean }>(
      `select s.pending_failures = 0 and s.last_attempt_at >= (select max(started_at) from attempt where endpoint_id = $1 and not test) as done
         from alert_state s where s.endpoint_id = $1`,
      [endpointId],
    );
    return rows[0]?.done === true;
  }, 'the alert state to settle');

describe('alerts from two gateway processes', () => {
  it('a burst of failures shared by both processes: one alert at once, then one summary of the rest', async () => {
    await publish(BURST);
    await eventually(async () => (await liveAttempts()) === BURST, '4 failed attempts');
    // A process hears of its attempts once its own write returns, which can be after the other
    // process's pool already sees the rows.
    await eventually(() => observed.A + observed.B === BURST, 'both processes told of their attempts');
    expect(observed).toEqual({ A: 2, B: 2 });
    await eventually(() => sent.some((s) => s.kind === 'grouped'), 'the summary');
    await settled();
    expect(kinds()).toEqual(['failing', 'grouped']);
    expect(sent[0]!.failures + sent[1]!.failures).toBe(4);
    expect(sent[1]).toMatchObject({ windowMs: 1000, lastFailure: { httpCode: 503, diagnosis: { code: 'overloaded' } } });
  });

  it('the endpoint succeeding again: one recovery, counting every failure of the episode', async () => {
    failing = false;
    const before = await liveAttempts();
    await publish(6);
    await eventually(async () => (await liveAttempts()) === before + 6, '6 more attempts');
    await eventually(() => sent.some((s) => s.kind === 'recovered'), 'the recovery');
    await settled();
    expect(kinds()).toEqual(['failing', 'grouped', 'recovered']);
    expect(sent[2]).toMatchObject({ failures: 4, webhookName: 'CRM', lastFailure: null });
  });

  it('a muted endpoint sends nothing while muted, yet its state moves on; after unmuting, failures are told again', async () => {
    sent.length = 0;
    await a.core.alerts.mute(acct.accountId, { endpointId, hours: 1 });
    failing = true;
    const before = await liveAttempts();
    await publish(3);
    await eventually(async () => (await liveAttempts()) === before + 3, '3 more attempts');
    // Both processes have evaluated all three (their batches come in any order: the newest
    // attempt's alone would already satisfy settled()), then nothing is left pending.
    await eventually(async () => (await a.db.pool.query('select total_failures from alert_state where endpoint_id = $1', [endpointId])).rows[0]?.total_failures === 3, 'the three failures evaluated');
    await settled();
    expect(sent).toEqual([]);
    const { rows } = await a.db.pool.query('select failing, total_failures from alert_state where endpoint_id = $1', [endpointId]);
    expect(rows[0]).toEqual({ failing: true, total_failures: 3 });

    await b.core.alerts.unmute(acct.accountId, endpointId);
    await publish(1);
    await eventually(() => sent.length > 0, 'an alert after unmuting');
    await settled();
    expect(kinds()).toEqual(['grouped']);
    expect(sent[0]!.failures).toBe(1);
  });

  it('each alert is queued with the state that decided it: one outbox row per recipient the account has (a recovery: per recipient told of the failure), nothing sent from here', async () => {
    const { code } = await a.core.admins.createLinkCode(acct.accountId);
    await a.core.admins.link({ chatId: '7001', code });
    await a.core.alerts.webhook.set(acct.accountId, { url: `${rx.url}/alerts` });
    const decider = startAlertService({ pool: a.db.pool, events: { on: () => () => undefined }, settings: a.config.alerts, diagnosis: a.config.delivery });
    const attempt = (inMs: number, httpCode: number) =>
      ({ accountId: acct.accountId, deliveryId: null, eventId: null, endpointId, webhookName: 'CRM', deviceId: acct.wa.id, channel: 'whatsapp', eventName: 'submission', url: `${rx.url}/hook`, test: false, startedAt: new Date(Date.now() + inMs), durationMs: 1, httpCode, outcome: httpCode === 200 ? 'success' : 'failed', errorCode: null, errorText: null, responseBody: null, attemptNumber: 1 }) as const;
    const outbox = async () => (await a.db.pool.query(`select alert_id::text, recipient_kind, recipient, alert->>'kind' as kind from alert_outbox where endpoint_id = $1 order by recipient_kind`, [endpointId])).rows;
    try {
      // The chat and the alert webhook came after this episode's failure was decided: its recovery is for neither.
      const recovered = await decider.observe([attempt(60_000, 200)]);
      expect(recovered.map((x) => [x.kind, x.actions])).toEqual([['recovered', []]]);
      expect(await outbox()).toEqual([]);
      expect((await a.db.pool.query('select failing from alert_state where endpoint_id = $1', [endpointId])).rows[0]).toEqual({ failing: false });

      const failing = await decider.observe([attempt(120_000, 503)]);
      expect(failing.map((x) => x.kind)).toEqual(['failing']);
      expect(await outbox()).toEqual([
        { alert_id: failing[0]!.id, recipient_kind: 'chat', recipient: '7001', kind: 'failing' },
        { alert_id: failing[0]!.id, recipient_kind: 'webhook', recipient: acct.accountId, kind: 'failing' },
      ]);
      // Queued, not yet sent: the recovery of this episode is queued behind it, for both.
      const next = await decider.observe([attempt(180_000, 200)]);
      expect(next.map((x) => x.kind)).toEqual(['recovered']);
      expect((await outbox()).map((r) => `${r.recipient_kind}:${r.kind}`).sort()).toEqual(['chat:failing', 'chat:recovered', 'webhook:failing', 'webhook:recovered']);
    } finally {
      await decider.stop();
    }
  });
});
