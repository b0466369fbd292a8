import { monoMs, sleep, waitUntil } from '../lib/clock.js';
import { cpuSample, cpuSplit, describeLoad, processTreeCpuSeconds, sampleLoad, type CpuSplit, type MachineLoad } from '../lib/cpu.js';
import { countDeliveries, deliveredSince, deliveriesSince, lastDeliveryId, type DeliveryCount } from '../lib/exactlyOnce.js';
import { openBenchCore, type BenchCore } from '../lib/fixture.js';
import type { GatewayProcess } from '../lib/gatewayProcess.js';
import type { BenchPostgres } from '../lib/postgres.js';
import { fmt, progress, ticker } from '../lib/progress.js';
import { startReceiver, type ReceiverHandle, type RouteMode } from '../lib/receiver.js';
import { seedBacklog, seedOldDay, seedScaleFixture, type ScaleFixture } from '../lib/scaleFixture.js';
import { startRetention } from '../../src/core/logs/retention.js';
import { loadConfig } from '../../src/config.js';
import type { Settings } from '../lib/settings.js';
import { percentiles, type Percentiles } from '../lib/stats.js';
import { walBytesSince, walPosition } from '../lib/wal.js';

/** What a scaling point varies; every other setting is the reference's. */
export type ScalingGroup = 'endpoints' | 'backlog' | 'attempts' | 'workers' | 'retention';

export interface ScalingPoint {
  group: ScalingGroup;
  /** Endpoints with work (one device each, one delivery per event). */
  endpoints: number;
  /** Not-yet-due deliveries waiting in the queue. */
  backlog: number;
  /** Attempt rows stored before the run. */
  attempts: number;
  /** Gateway worker processes. */
  workers: number;
  /** Attempts of one old day whose partition retention drops while the point runs (0: none). */
  dropDay: number;
  /** The point its group's ratios are taken against. */
  reference: boolean;
}

export interface ScalingResult extends DeliveryCount {
  point: ScalingPoint;
  deliveries: number;
  seconds: number;
  perSecond: number;
  /** The machine's CPU during the run, by process (gateway = every worker process). */
  cpu: CpuSplit;
  /** WAL the database wrote during the point (publish, claims, records, autovacuum), bytes. */
  walBytes: number;
  /** Claim statements of every worker: duration and rows taken. */
  claims: Percentiles & { rowsPerClaim: number };
  /** The machine just before the point, and other processes' share during it. */
  load: MachineLoad;
  otherCoresDuring: number;
  /** deliveries/s ÷ the group reference's (filled in once the group has run). */
  ratio: number | null;
  /** The retention run during the point: how long dropping the old day took, and what it dropped. */
  drop?: { seconds: number; attempts: number };
}

export interface ScalingRun {
  point: ScalingPoint;
  bench: BenchCore;
  fixture: ScaleFixture;
  receiver: ReceiverHandle;
  gateways: GatewayProcess[];
  postgresPid: number | null;
  load: MachineLoad;
  deliveries: number;
  publishBatch: number;
  publishConcurrency: number;
}

export const pointLabel = (p: ScalingPoint): string => {
  switch (p.group) {
    case 'endpoints':
      return `${fmt(p.endpoints)} endpoint${p.endpoints === 1 ? '' : 's'}`;
    case 'backlog':
      return `${fmt(p.backlog)} not-due deliveries`;
    case 'attempts':
      return `${fmt(p.attempts)} attempts stored`;
    case 'workers':
      return `${p.workers} worker process${p.workers === 1 ? '' : 'es'}`;
    case 'retention':
      return p.dropDay ? `dropping a day of ${fmt(p.dropDay)} attempts` : 'no retention run';
  }
};

/**
 * One scaling point: `deliveries` deliveries published in bulk (publishMany, `publishBatch`
 * events a call, `publishConcurrency` calls at a time), each event routed to the fixture's
 * fan-out of endpoints (devices in turn), delivered by the running gateway processes;
 * deliveries/s from the first publish to the last receipt, exactly once checked at the
 * receiver.
 */
export async function runScalingPoint(run: ScalingRun): Promise<ScalingResult> {
  const { bench, fixture, receiver, gateways } = run;
  const label = pointLabel(run.point);
  const routes = fixture.endpointIds.length;
  const devices = fixture.deviceTokens.length;
  const events = Math.ceil(run.deliveries / fixture.fanOut);
  const expected = events * fixture.fanOut;
  const before = await lastDeliveryId(bench.db.pool);
  const wal0 = await walPosition(bench.db.pool);
  const probes0 = await Promise.all(gateways.map((g) => g.sample()));
  const cpu0 = cpuSample({ gateway: probes0.reduce((a, p) => a + p.cpuSeconds, 0), receiver: (await receiver.count()).cpuSeconds, postgresPid: run.postgresPid });
  let published = 0;
  const stop = ticker('scaling', 1000, async () => {
    const c = await receiver.count();
    return `${label}: published ${fmt(published)}/${fmt(events)} events · received ${fmt(c.total)}/${fmt(expected)}`;
  });
  const t0 = monoMs();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: run.publishConcurrency }, async () => {
        while (next < events) {
          const from = next;
          const n = Math.min(run.publishBatch, events - next);
          next += n;
          const inputs = Array.from({ length: n }, (_, k) => ({ deviceToken: fixture.deviceTokens[(from + k) % devices]!, event: 'submission', data: fixture.data }));
          await bench.core.dispatch.publishMany(fixture.accountId, inputs);
          published += n;
        }
      }),
    );
    await waitUntil(async () => (await receiver.count()).total >= expected, 120_000 + expected * 2, `${fmt(expected)} deliveries (${label})`, 10);
    // Done means every attempt committed, as in the throughput run.
    await waitUntil(async () => (await deliveredSince(bench.db.pool, before, fixture.endpointIds)) >= expected, 30_000, `every attempt recorded (${label})`, 20);
    const walBytes = await walBytesSince(bench.db.pool, wal0);
    const probes1 = await Promise.all(gateways.map((g) => g.sample()));
    const cpu = cpuSplit(cpu0, cpuSample({ gateway: probes1.reduce((a, p) => a + p.cpuSeconds, 0), receiver: (await receiver.count()).cpuSeconds, postgresPid: run.postgresPid }));
    stop();
    // A duplicate POST (a lease that ran out, a double claim) would arrive within this.
    await sleep(300);
    const got = await receiver.take();
    const queued = await deliveriesSince(bench.db.pool, before, fixture.endpointIds);
    const count = countDeliveries(got, routes, queued, expected);
    const why = count.duplicates ? await duplicateCauses(bench, got.ids) : '';
    let last = t0;
    for (const at of got.at) last = Math.max(last, at);
    const seconds = (last - t0) / 1000;
    const claimMs = probes1.flatMap((p) => p.claimMs);
    const claimRows = probes1.reduce((a, p) => a + p.claimRows, 0);
    const result: ScalingResult = {
      ...count,
      point: run.point,
      deliveries: count.delivered,
      seconds,
      perSecond: count.delivered / seconds,
      cpu,
      walBytes,
      claims: { ...percentiles(claimMs), rowsPerClaim: claimMs.length ? claimRows / claimMs.length : 0 },
      load: run.load,
      otherCoresDuring: cpu.other / seconds,
      ratio: null,
    };
    const us = (v: number) => ((v / Math.max(1, count.delivered)) * 1e6).toFixed(0);
    progress(
      'scaling',
      `${label}: ${fmt(result.perSecond)} deliveries/s · CPU µs/delivery gateway ${us(cpu.gateway)}, PostgreSQL ${us(cpu.postgres)}, receiver ${us(cpu.receiver)}, publisher ${us(cpu.bench)}, other ${us(cpu.other)} · WAL ${(walBytes / Math.max(1, count.delivered)).toFixed(0)} B/delivery · claim p50 ${result.claims.p50.toFixed(1)} ms, p99 ${result.claims.p99.toFixed(1)} ms (${result.claims.count} claims, ${result.claims.rowsPerClaim.toFixed(0)} rows each)` +
        (count.exactlyOnce ? ' · exactly once' : ` · VOID: published ${count.published}, delivered ${count.delivered}, duplicates ${count.duplicates}, unknown ${count.unknown}${why}`),
    );
    return result;
  } finally {
    stop();
  }
}

/** What the attempt log says about webhook-ids the receiver got more than once (timeouts, lost leases…). */
async function duplicateCauses(bench: BenchCore, ids: string[]): Promise<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  const { rows } = await bench.db.pool.query<{ cause: string; n: number }>(
    `select coalesce(error_code, outcome) || ' (attempt ' || attempt_number || ')' as cause, count(*)::int as n
       from attempt where delivery_id = any($1::bigint[]) group by 1 order by 2 desc`,
    [[...twice].map((id) => id.slice(id.lastIndexOf('_') + 1))],
  );
  return ` (their attempts: ${rows.map((r) => `${r.cause} × ${r.n}`).join(', ') || 'none recorded'})`;
}

/** One retention run (the gateway's), timed; `attempts` were in the day it should drop. */
async function timedRetention(bench: BenchCore, days: number, attempts: number): Promise<{ seconds: number; attempts: number }> {
  const retention = startRetention({ pool: bench.db.pool, days, idempotencyWindowMs: loadConfig({}).publishing.idempotencyWindowMs });
  try {
    const t0 = monoMs();
    const dropped = await retention.runOnce();
    return { seconds: (monoMs() - t0) / 1000, attempts: dropped.length ? attempts : 0 };
  } finally {
    retention.stop();
  }
}

/** Fills in each result's ratio to its group's reference point. */
export function withRatios(results: ScalingResult[]): ScalingResult[] {
  return results.map((r) => {
    const ref = results.find((x) => x.point.group === r.point.group && x.point.reference);
    return { ...r, ratio: ref ? r.perSecond / ref.perSecond : null };
  });
}

export interface ScalingDeps {
  pg: BenchPostgres;
  settings: Settings;
  /**
   * Starts `n` gateway worker processes on the database at `url`, with the default POST
   * timeout: no endpoint hangs here, and a short timeout on a busy machine would only turn
   * slow answers into retries (a second POST of a delivery the receiver already counted).
   */
  startGateways(url: string, n: number, name: string): Promise<GatewayProcess[]>;
  /** The database holding the long attempt history (see logQueries.ts), for the attempts point. */
  history: { url: string; rows: number } | null;
  /** CPU seconds of every process the bench started, so far (to tell other people's load from ours). */
  ownCpuSeconds(): number;
}

/** The points to run, in order; a group's reference runs first, beside the points it is compared with. */
export function scalingPoints(s: Settings, historyRows: number | null): ScalingPoint[] {
  const base = { endpoints: 10, backlog: 0, attempts: 0, workers: 1, dropDay: 0 };
  const wanted = (g: ScalingGroup) => !s.scaleGroups || s.scaleGroups.has(g);
  const points: ScalingPoint[] = wanted('endpoints') ? s.scaleEndpoints.map((endpoints) => ({ ...base, group: 'endpoints', endpoints, reference: endpoints === base.endpoints })) : [];
  const group = (g: ScalingGroup, change: Partial<typeof base>) => {
    if (!wanted(g)) return;
    // Without the endpoints curve, every group measures its own reference.
    if (s.scaleReferencePerGroup || !wanted('endpoints')) points.push({ ...base, group: g, reference: true });
    points.push({ ...base, ...change, group: g, reference: false });
  };
  group('backlog', { backlog: s.scaleBacklog });
  if (historyRows) group('attempts', { attempts: historyRows });
  group('workers', { workers: 2 });
  group('retention', { dropDay: s.retentionDay });
  return points;
}

/**
 * The scaling phase: the same job (deliveries published in bulk, one endpoint each) while
 * one thing grows: the endpoints with work, a backlog of deliveries not due yet, the attempt
 * log, the worker processes. Each point runs on a fresh database (the long-history point on
 * the history database) with its own gateway processes; the receiver serves every endpoint
 * from 100 origins at most.
 */
export async function runScaling(deps: ScalingDeps): Promise<ScalingResult[]> {
  const s = deps.settings;
  const points = scalingPoints(s, deps.history?.rows ?? null);
  const most = Math.max(...points.map((p) => p.endpoints));
  const receiver = await startReceiver(Array.from({ length: most }, (): RouteMode => 'ok'), Math.min(most, 100));
  const own = () => deps.ownCpuSeconds() + (processTreeCpuSeconds(receiver.pid) ?? 0);
  const results: ScalingResult[] = [];
  try {
    for (const [i, point] of points.entries()) {
      const label = pointLabel(point);
      // With --pg-stats: the server's statements point by point (this clears what came before).
      await deps.pg.topStatements();
      const load = await sampleLoad(own);
      progress('scaling', `${label}${point.reference ? ' (reference)' : ''} · ${describeLoad(load)}`);
      const onHistory = point.attempts > 0 && deps.history;
      const name = `bench_scale_${i}`;
      const url = onHistory ? deps.history!.url : await deps.pg.createDatabase(name);
      const bench = await openBenchCore(url);
      let gateways: GatewayProcess[] = [];
      try {
        const fixture = await seedScaleFixture(bench.seed, receiver.urls.slice(0, point.endpoints), `Scale ${label}`, Math.min(s.scaleFanOut, point.endpoints));
        if (point.backlog) {
          progress('scaling', `writing ${fmt(point.backlog)} deliveries due tomorrow`);
          await seedBacklog(bench.seed, fixture, point.backlog);
        }
        const oldDay = point.dropDay ? await seedOldDay(bench.seed, fixture, point.dropDay, s.retentionDays) : null;
        if (oldDay) progress('scaling', `${fmt(point.dropDay)} attempts written into the day ${oldDay.name}, ${s.retentionDays + 10} days ago`);
        await bench.seed.query('analyze');
        gateways = await deps.startGateways(url, point.workers, `scale-${i}`);
        const deliveries = Math.max(s.scaleDeliveries, point.endpoints);
        // Retention runs half a second into the point, as a worker's hourly run would, on
        // the gateway's own code (core/logs/retention.ts).
        const drop = oldDay ? sleep(500).then(() => timedRetention(bench, s.retentionDays, point.dropDay)) : null;
        const result = await runScalingPoint({ point, bench, fixture, receiver, gateways, postgresPid: deps.pg.pid, load, deliveries, publishBatch: s.publishBatch, publishConcurrency: s.publishConcurrency });
        if (drop) {
          result.drop = await drop;
          progress('scaling', `retention dropped ${fmt(result.drop.attempts)} attempts in ${result.drop.seconds.toFixed(3)} s while the point ran`);
        }
        results.push(result);
        for (const t of (await deps.pg.topStatements()) ?? []) progress('pg-stats', `${label}: ${t.ms.toFixed(0).padStart(7)} ms ${String(t.calls).padStart(7)} calls ${String(t.rows).padStart(8)} rows  ${t.query}`);
      } finally {
        for (const g of gateways) await g.stop();
        await bench.close();
        if (!onHistory) await deps.pg.dropDatabase(name);
      }
    }
  } finally {
    await receiver.close();
  }
  // In a quick run the groups share the endpoints group's reference.
  if (!s.scaleReferencePerGroup) {
    const ref = results.find((r) => r.point.group === 'endpoints' && r.point.reference);
    if (ref) for (const g of ['backlog', 'attempts', 'workers', 'retention'] as const) if (results.some((r) => r.point.group === g)) results.push({ ...ref, point: { ...ref.point, group: g } });
  }
  return withRatios(results);
}
