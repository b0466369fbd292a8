import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config.js';
import type { GatewayEvents } from '../core/observe.js';
import { sameSecret } from '../core/security/secrets.js';
import { queueDepth } from '../db/sql/queueDepth.js';

export const METRICS_PATH = '/metrics';

export interface Metrics {
  readonly registry: Registry;
  /** Serves GET /metrics (checking the bearer token when one is set); false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
}

export interface MetricsDeps {
  events: GatewayEvents;
  pool: pg.Pool;
  settings: Config['metrics'];
  /** Live-log and status subscriptions open in this process (the api role). */
  liveSubscribers?: () => number;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/**
 * Prometheus metrics of one gateway process. Counters and histograms are fed by core's typed
 * events (core knows nothing of Prometheus); the queue gauges are read from the delivery
 * table at scrape time, so every process reports the same queue (aggregate with max, not
 * sum). Labels are bounded: outcome, error code, event, channel, kinds; per-account labels
 * only when the setting allows them.
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const perAccount = deps.settings.accountLabels;
  const accountLabel = perAccount ? (['account'] as const) : ([] as const);

  const deliveries = new Gauge({ name: 'kirisan_deliveries', help: 'Pending deliveries by state (due, leased, retrying, parked), from the database', labelNames: ['state'], registers: [registry] });
  const oldestDue = new Gauge({ name: 'kirisan_oldest_due_delivery_age_seconds', help: 'How long the oldest due delivery has been waiting for a worker', registers: [registry] });
  const attempts = new Counter({ name: 'kirisan_attempts_total', help: 'POSTs made by this process, by outcome and error code (none on success)', labelNames: ['outcome', 'error_code', 'test', ...accountLabel], registers: [registry] });
  const postSeconds = new Histogram({ name: 'kirisan_post_duration_seconds', help: 'Duration of one POST to a receiver', labelNames: ['outcome', 'test'], buckets: SECONDS, registers: [registry] });
  const claimSeconds = new Histogram({ name: 'kirisan_claim_duration_seconds', help: 'Duration of one claim statement', buckets: SECONDS, registers: [registry] });
  const claimBatch = new Histogram({ name: 'kirisan_claim_batch_size', help: 'Deliveries taken by one claim', buckets: BATCH, registers: [registry] });
  const recordSeconds = new Histogram({ name: 'kirisan_record_duration_seconds', help: 'Duration of one statement recording attempts', buckets: SECONDS, registers: [registry] });
  const recordBatch = new Histogram({ name: 'kirisan_record_batch_size', help: 'Attempts recorded by one statement', buckets: BATCH, registers: [registry] });
  const published = new Counter({ name: 'kirisan_events_published_total', help: 'Events published through this process', labelNames: ['event', 'channel', ...accountLabel], registers: [registry] });
  const queued = new Counter({ name: 'kirisan_deliveries_queued_total', help: 'Deliveries queued by the events published through this process', labelNames: ['event'], registers: [registry] });
  const workerErrors = new Counter({ name: 'kirisan_worker_errors_total', help: 'Delivery worker steps that failed (database down, …) and were retried', registers: [registry] });
  const alerts = new Counter({ name: 'kirisan_alerts_total', help: 'Alerts handed to a notifier, by kind and whether it took them', labelNames: ['kind', 'result'], registers: [registry] });
  const botUpdates = new Counter({ name: 'kirisan_bot_updates_total', help: 'Telegram updates handled by this process', labelNames: ['kind', 'result'], registers: [registry] });
  const botSeconds = new Histogram({ name: 'kirisan_bot_update_duration_seconds', help: 'Duration of handling one Telegram update', buckets: SECONDS, registers: [registry] });
  new Gauge({
    name: 'kirisan_live_subscribers',
    help: 'GraphQL subscriptions open in this process',
    registers: [registry],
    collect() {
      this.set(deps.liveSubscribers?.() ?? 0);
    },
  });
  new Gauge({
    name: 'kirisan_db_pool_connections',
    help: 'Connections of the hot-path database pool: total, idle, and callers waiting for one',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount);
      this.set({ state: 'idle' }, deps.pool.idleCount);
      this.set({ state: 'waiting' }, deps.pool.waitingCount);
    },
  });
  // Series that exist before their first event, so a dashboard shows 0 rather than nothing.
  for (const state of ['due', 'leased', 'retrying', 'parked']) deliveries.set({ state }, 0);
  if (!perAccount) for (const outcome of ['success', 'failed']) attempts.inc({ outcome, error_code: outcome === 'success' ? 'none' : 'http_status', test: 'false' }, 0);

  const account = (id: string) => (perAccount ? { account: id } : {});
  const offs = [
    deps.events.on('dispatch:attempts', ({ attempts: batch, durationMs }) => {
      recordSeconds.observe(durationMs / 1000);
      recordBatch.observe(batch.length);
      for (const a of batch) {
        attempts.inc({ outcome: a.outcome, error_code: a.errorCode ?? 'none', test: 'false', ...account(a.accountId) });
        postSeconds.observe({ outcome: a.outcome, test: 'false' }, a.durationMs / 1000);
      }
    }),
    deps.events.on('test:sent', ({ attempt: a }) => {
      attempts.inc({ outcome: a.outcome, error_code: a.errorCode ?? 'none', test: 'true', ...account(a.accountId) });
      postSeconds.observe({ outcome: a.outcome, test: 'true' }, a.durationMs / 1000);
    }),
    deps.events.on('dispatch:claimed', ({ deliveries: taken, durationMs }) => {
      claimSeconds.observe(durationMs / 1000);
      claimBatch.observe(taken.length);
    }),
    deps.events.on('dispatch:published', ({ events }) => {
      for (const e of events) {
        published.inc({ event: e.type, channel: e.channel, ...account(e.accountId) });
        if (e.deliveries) queued.inc({ event: e.type }, e.deliveries);
      }
    }),
    deps.events.on('dispatch:error', () => workerErrors.inc()),
    deps.events.on('alert:notified', ({ kind, sent }) => alerts.inc({ kind, result: sent ? 'sent' : 'failed' })),
    deps.events.on('bot:update', ({ kind, ok, durationMs }) => {
      botUpdates.inc({ kind, result: ok ? 'ok' : 'error' });
      botSeconds.observe(durationMs / 1000);
    }),
  ];

  async function scrape(): Promise<string> {
    const q = await queueDepth(deps.pool);
    deliveries.set({ state: 'due' }, q.due);
    deliveries.set({ state: 'leased' }, q.leased);
    deliveries.set({ state: 'retrying' }, q.retrying);
    deliveries.set({ state: 'parked' }, q.parked);
    oldestDue.set(q.oldestDueAgeSeconds);
    return registry.metrics();
  }

  return {
    registry,
    async handle(req, res) {
      if ((req.url ?? '').split('?')[0] !== METRICS_PATH) return false;
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('use GET\n');
        return true;
      }
      const token = deps.settings.token;
      const sent = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (token && !(sent && sameSecret(sent, token))) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n');
        return true;
      }
      let body: string;
      try {
        body = await scrape();
      } catch {
        // The process is up but the database is not: say so rather than serve stale gauges.
        res.writeHead(503, { 'content-type': 'text/plain' }).end('the database did not answer; queue gauges unavailable\n');
        return true;
      }
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      return true;
    },
    close() {
      for (const off of offs) off();
      registry.clear();
    },
  };
}
