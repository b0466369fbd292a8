import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeliveries } from '../src/db/sql/claimDeliveries.js';
import { pauseEndpoints } from '../src/db/sql/pauseEndpoints.js';
import { gqlClient, startApiGateway, wsClient } from './helpers/api.js';
import { eventually, saveActive, seedAccount } from './helpers/gateway.js';
import { scrape, valueOf, type Sample } from './helpers/prometheus.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat } from './helpers/telegramBot.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/** Prometheus metrics at /metrics: what an operator scrapes to see the queue and the deliveries. */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('the queue gauges', () => {
  let api: Awaited<ReturnType<typeof startApiGateway>>;
  let rx: Receiver;
  beforeAll(async () => {
    // No workers: the deliveries stay where the test puts them.
    api = await startApiGateway({ ROLES: 'api' });
    rx = await startReceiver();
  });
  afterAll(async () => {
    await api?.close();
    await rx?.close();
  });

  it('count due, leased, retrying and parked deliveries exactly as the delivery table holds them', async () => {
    const { core, db } = api.gateway;
    const acct = await seedAccount(core);
    const a = await saveActive(core, acct.accountId, { name: 'A', url: `${rx.url}/a`, deviceIds: [acct.wa.id], events: ['incoming_message'] });
    const b = await saveActive(core, acct.accountId, { name: 'B', url: `${rx.url}/b`, deviceIds: [acct.tg.id], events: ['incoming_message'] });
    for (let i = 0; i < 3; i++) await core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'incoming_message', data: publishedData('incoming_message', acct.wa) });
    for (let i = 0; i < 2; i++) await core.dispatch.publish(acct.accountId, { deviceToken: acct.tg.token, event: 'incoming_message', data: publishedData('incoming_message', acct.tg) });

    // B is paused by the circuit breaker: its two deliveries are parked.
    await pauseEndpoints(db.pool, [{ endpointId: b.endpoints[0]!.id, ms: 3_600_000 }]);
    // One of A's failed once and waits for its retry; a worker holds another.
    await db.pool.query(`update delivery set attempts = 1, run_at = now() + interval '1 hour' where id = (select min(id) from delivery where endpoint_id = $1)`, [a.endpoints[0]!.id]);
    const claimed = await claimDeliveries(db.pool, { workerId: 'test-worker', limit: 1, leaseMs: 3_600_000, perEndpoint: 16, busyEndpoints: [], busyFree: [] });
    expect(claimed).toHaveLength(1);

    const samples = await scrape(api.gateway.metricsUrl!);
    const gauge = (state: string) => valueOf(samples, 'kirisan_deliveries', { state });
    expect({ due: gauge('due'), leased: gauge('leased'), retrying: gauge('retrying'), parked: gauge('parked') }).toEqual({ due: 1, leased: 1, retrying: 1, parked: 2 });

    // The same figures, counted straight from the table.
    const { rows } = await db.pool.query<{ due: number; leased: number; retrying: number; parked: number; pending: number; oldest: number }>(
      `select count(*) filter (where d.leased_by is null and d.run_at <= now() and ep.paused_until is null)::int as due,
              count(*) filter (where d.leased_by = 'test-worker' and d.run_at > now())::int as leased,
              count(*) filter (where d.leased_by is null and d.attempts > 0 and d.run_at > now() and ep.paused_until is null)::int as retrying,
              count(*) filter (where ep.paused_until > now())::int as parked,
              count(*)::int as pending,
              extract(epoch from now() - min(d.run_at) filter (where d.leased_by is null and d.run_at <= now() and ep.paused_until is null))::float8 as oldest
         from delivery d join endpoint_queue ep on ep.endpoint_id = d.endpoint_id where d.status = 'pending'`,
    );
    const table = rows[0]!;
    expect({ due: gauge('due'), leased: gauge('leased'), retrying: gauge('retrying'), parked: gauge('parked') }).toEqual({ due: table.due, leased: table.leased, retrying: table.retrying, parked: table.parked });
    expect(gauge('due')! + gauge('leased')! + gauge('retrying')! + gauge('parked')!).toBe(table.pending);
    const age = valueOf(samples, 'kirisan_oldest_due_delivery_age_seconds')!;
    expect(age).toBeGreaterThan(0);
    // Read a moment after the scrape, the table's age can only be larger.
    expect(age).toBeLessThanOrEqual(table.oldest);
  });
});

describe('after a short run', () => {
  let api: Awaited<ReturnType<typeof startApiGateway>>;
  let rx: Receiver;
  let tg: FakeTelegram;
  let failing = false;
  let live: ReturnType<typeof wsClient> | undefined;
  beforeAll(async () => {
    tg = await startFakeTelegram();
    api = await startApiGateway({ ROLES: 'api,workers,bot', RETRY_SCHEDULE: 'none', ...botEnv(tg) });
    rx = await startReceiver((_r, res) => (failing ? res.writeHead(500).end('boom') : res.writeHead(200).end('ok')));
  });
  afterAll(async () => {
    await live?.dispose();
    await api?.close();
    await rx?.close();
    await tg?.close();
  });

  it('shows every series with plausible values, and no label that grows with endpoints or accounts', async () => {
    const { core } = api.gateway;
    const acct = await seedAccount(core);
    await linkChat(tg, core, acct.accountId, 7001);
    await saveActive(core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['incoming_message'] });
    live = wsClient(api.http, acct.apiKey);
    const seen: unknown[] = [];
    const unsubscribe = live.subscribe({ query: 'subscription { deliveryAttempts { id } }' }, { next: (m) => void seen.push(m), error: () => undefined, complete: () => undefined });
    const publish = () => core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'incoming_message', data: publishedData('incoming_message', acct.wa) });
    // The subscription is open once it gets the first attempt.
    await publish();
    await eventually(() => seen.length >= 1, 'the live attempt');
    for (let i = 0; i < 2; i++) await publish();
    await rx.waitFor(4);
    failing = true;
    await publish();
    await tg.waitFor(7001, /failing/);

    let samples: Sample[] = [];
    await eventually(async () => {
      samples = await scrape(api.gateway.metricsUrl!);
      // The alert is counted once Telegram answered the message the chat already shows.
      return valueOf(samples, 'kirisan_attempts_total', { outcome: 'failed', error_code: 'http_status', test: 'false' }) === 1 && valueOf(samples, 'kirisan_alerts_total', { kind: 'failing', result: 'sent' }) === 1;
    }, 'the failed attempt and its alert counted');
    const v = (name: string, labels?: Record<string, string>) => valueOf(samples, name, labels);

    expect(v('kirisan_attempts_total', { outcome: 'success', error_code: 'none', test: 'false' })).toBe(3);
    expect(v('kirisan_attempts_total', { outcome: 'success', error_code: 'none', test: 'true' })).toBe(1);
    expect(v('kirisan_post_duration_seconds_count', { outcome: 'success', test: 'false' })).toBe(3);
    expect(v('kirisan_post_duration_seconds_sum', { outcome: 'success', test: 'false' })).toBeGreaterThan(0);
    expect(v('kirisan_events_published_total', { event: 'incoming_message', channel: 'whatsapp' })).toBe(4);
    expect(v('kirisan_deliveries_queued_total', { event: 'incoming_message' })).toBe(4);
    expect(v('kirisan_claim_batch_size_sum')).toBe(4);
    expect(v('kirisan_claim_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(v('kirisan_record_batch_size_sum')).toBe(4);
    expect(v('kirisan_record_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(v('kirisan_alerts_total', { kind: 'failing', result: 'sent' })).toBe(1);
    expect(v('kirisan_bot_updates_total', { kind: 'message', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(v('kirisan_live_subscribers')).toBe(1);
    expect(v('kirisan_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(v('kirisan_deliveries', { state: 'due' })).toBe(0);
    expect(v('kirisan_oldest_due_delivery_age_seconds')).toBe(0);
    expect(v('kirisan_worker_errors_total')).toBe(0);
    // Node's own process metrics come along.
    expect(v('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(v('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(samples.filter((s) => Object.values(s.labels).some((l) => UUID.test(l)))).toEqual([]);

    unsubscribe();
    await live.dispose();
    await eventually(async () => valueOf(await scrape(api.gateway.metricsUrl!), 'kirisan_live_subscribers') === 0, 'the subscription closed');
  });
});

describe('protecting /metrics', () => {
  it('with METRICS_TOKEN, a scrape without the bearer token gets 401', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const api = await startApiGateway({ ROLES: 'api', METRICS_TOKEN: token });
    try {
      const url = api.gateway.metricsUrl!;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect(valueOf(await scrape(url, token), 'kirisan_deliveries', { state: 'due' })).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('with METRICS_PORT, metrics are served on their own port and not on the API port, in a workers-only process too', async () => {
    const api = await startApiGateway({ ROLES: 'workers', METRICS_PORT: '0' });
    try {
      // The workers-only process still serves its probes on PORT, but not the metrics.
      expect((await fetch(`${api.gateway.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${api.gateway.url}/metrics`)).status).toBe(404);
      expect(valueOf(await scrape(api.gateway.metricsUrl!), 'kirisan_deliveries', { state: 'due' })).toBe(0);
    } finally {
      await api.close();
    }
    const both = await startApiGateway({ ROLES: 'api', METRICS_PORT: '0' });
    try {
      expect(new URL(both.gateway.metricsUrl!).port).not.toBe(new URL(both.http).port);
      expect((await fetch(`${both.http}/metrics`)).status).toBe(404);
      await gqlClient(both.http)('{ __typename }');
    } finally {
      await both.close();
    }
  });
});
