import type { Core } from '../../src/core/index.js';
import { monoMs, sleep, waitUntil } from '../lib/clock.js';
import { cpuSample, cpuSplit, type CpuSplit } from '../lib/cpu.js';
import { countDeliveries, deliveredSince, deliveriesSince, lastDeliveryId, type DeliveryCount } from '../lib/exactlyOnce.js';
import type { BenchCore, Fixture } from '../lib/fixture.js';
import type { GatewayProcess } from '../lib/gatewayProcess.js';
import { walBytesSince, walPosition } from '../lib/wal.js';
import { fmt, progress, ticker } from '../lib/progress.js';
import type { ReceiverHandle } from '../lib/receiver.js';
import { percentiles, type Percentiles } from '../lib/stats.js';

export interface ThroughputResult extends DeliveryCount {
  events: number;
  seconds: number;
  /** First publish → last publish returned. */
  publishSeconds: number;
  /** POST durations as the gateway logged them (start → response), ms. */
  postMs: { avg: number; p50: number; p99: number };
  /** Healthy deliveries per second, first publish → last receipt. */
  perSecond: number;
  /** Every webhook of this run had its attempt recorded (delivery succeeded) in the database. */
  recorded: boolean;
  /** Of the gateway process during the run. */
  cpuSeconds: number;
  systemCpuSeconds: number;
  /** The whole machine's CPU during the run, by process. */
  cpu: CpuSplit;
  peakRssMb: number;
  gatewayStatements: number;
  publishStatements: number;
  /** WAL the database wrote from the first publish until every attempt was recorded, bytes. */
  walBytes: number;
  /** POSTs to the extra routes (hanging, failing) during the run. */
  extraPosts: number[];
}

export interface LatencyResult extends DeliveryCount {
  /** Offered healthy deliveries per second. */
  offeredPerSecond: number;
  achievedPerSecond: number;
  /** Timed seconds, after `warmupSeconds` at the same rate that are not timed. */
  seconds: number;
  warmupSeconds: number;
  /** Publish → receipt, from each event's scheduled send time. */
  latency: Percentiles;
  /** Publish calls that started more than 5 ms after their scheduled time (the publisher fell behind). */
  latePublishes: number;
  /** The machine's CPU while publishing (warm-up included), by process. */
  cpu: CpuSplit;
  /** SQL statements sent meanwhile by the gateway and by the publisher. */
  statements: { gateway: number; publish: number };
  /** p50 / p99 per second of the run (by scheduled time): shows stalls. */
  timeline: Array<{ second: number; p50: number; p99: number }>;
}

export interface DeliveryRun {
  phase: string;
  bench: BenchCore;
  fixture: Fixture;
  receiver: ReceiverHandle;
  gateway: GatewayProcess;
  /** Routes 0 … healthy-1 are the healthy endpoints. */
  healthy: number;
  /** PostgreSQL's postmaster, when it runs on this machine. */
  postgresPid: number | null;
}

const publish = (core: Core, f: Fixture) => core.dispatch.publish(f.accountId, { deviceToken: f.device.token, event: 'submission', data: f.data });

/**
 * Throughput: `events` events published as fast as the platform's bulk path allows (batches
 * of `batch`, `concurrency` calls at a time), each fanned out to every endpoint; deliveries/s
 * from the first publish to the last receipt of a healthy endpoint.
 */
export async function runThroughput(run: DeliveryRun, events: number, batch: number, concurrency: number, timeoutMs: number): Promise<ThroughputResult> {
  const { bench, fixture, receiver, gateway } = run;
  const healthyIds = fixture.endpointIds.slice(0, run.healthy);
  const expected = events * run.healthy;
  const before = await lastDeliveryId(bench.db.pool);
  const probe0 = await gateway.sample();
  const cpu0 = cpuSample({ gateway: probe0.cpuSeconds, receiver: (await receiver.count()).cpuSeconds, postgresPid: run.postgresPid });
  const statements0 = bench.db.statements();
  const wal0 = await walPosition(bench.db.pool);
  let published = 0;
  let delivered = 0;
  const stop = ticker(run.phase, 1000, async () => {
    const c = await receiver.count();
    delivered = c.perRoute.slice(0, run.healthy).reduce((a, b) => a + b, 0);
    return `published ${fmt(published)}/${fmt(events)} events · received ${fmt(delivered)}/${fmt(expected)} healthy POSTs`;
  });
  const t0 = monoMs();
  let next = 0;
  try {
    // The platform's bulk path: `batch` events per publishMany call, `concurrency` calls in flight.
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < events) {
          const n = Math.min(batch, events - next);
          next += n;
          await bench.core.dispatch.publishMany(fixture.accountId, Array.from({ length: n }, () => ({ deviceToken: fixture.device.token, event: 'submission', data: fixture.data })));
          published += n;
        }
      }),
    );
    const publishSeconds = (monoMs() - t0) / 1000;
    const statements1 = bench.db.statements();
    await waitUntil(async () => {
      const c = await receiver.count();
      return c.perRoute.slice(0, run.healthy).reduce((a, b) => a + b, 0) >= expected;
    }, timeoutMs, `${fmt(expected)} healthy deliveries`, 10);
    const recorded = await waitUntil(async () => (await deliveredSince(bench.db.pool, before, healthyIds)) >= expected, 15_000, 'every attempt recorded', 50).then(
      () => true,
      () => false,
    );
    const { rows: durations } = await bench.db.pool.query<{ avg: number; p50: number; p99: number }>(
      `select avg(duration_ms)::float8 as avg, percentile_cont(0.5) within group (order by duration_ms) as p50,
              percentile_cont(0.99) within group (order by duration_ms) as p99
         from attempt where delivery_id > $1 and endpoint_id = any($2::uuid[])`,
      [before, healthyIds],
    );
    const walBytes = await walBytesSince(bench.db.pool, wal0);
    const probe1 = await gateway.sample();
    const cpu1 = cpuSample({ gateway: probe1.cpuSeconds, receiver: (await receiver.count()).cpuSeconds, postgresPid: run.postgresPid });
    stop();
    // A duplicate POST (a lease that ran out, a double claim) would arrive within this.
    await sleep(300);
    const got = await receiver.take();
    const queued = await deliveriesSince(bench.db.pool, before, healthyIds);
    const count = countDeliveries(got, run.healthy, queued, expected);
    let last = t0;
    const extraPosts = Array.from({ length: fixture.endpointIds.length - run.healthy }, () => 0);
    for (let i = 0; i < got.at.length; i++) {
      const r = got.route[i]!;
      if (r < run.healthy) last = Math.max(last, got.at[i]!);
      else extraPosts[r - run.healthy]!++;
    }
    const seconds = (last - t0) / 1000;
    const result: ThroughputResult = {
      ...count,
      events,
      seconds,
      publishSeconds,
      postMs: { avg: durations[0]?.avg ?? 0, p50: durations[0]?.p50 ?? 0, p99: durations[0]?.p99 ?? 0 },
      perSecond: count.delivered / seconds,
      recorded,
      cpuSeconds: probe1.cpuSeconds - probe0.cpuSeconds,
      systemCpuSeconds: probe1.systemCpuSeconds - probe0.systemCpuSeconds,
      cpu: cpuSplit(cpu0, cpu1),
      peakRssMb: probe1.peakRssMb,
      gatewayStatements: probe1.statements - probe0.statements,
      publishStatements: statements1 - statements0,
      walBytes,
      extraPosts,
    };
    progress(
      run.phase,
      `${fmt(result.perSecond)} deliveries/s (${fmt(count.delivered)} in ${seconds.toFixed(2)} s, published in ${publishSeconds.toFixed(2)} s) · gateway ${result.cpuSeconds.toFixed(1)} CPU s (${result.systemCpuSeconds.toFixed(1)} system), peak RSS ${fmt(result.peakRssMb)} MB` +
        (count.exactlyOnce ? ' · exactly once' : ` · VOID: published ${count.published}, delivered ${count.delivered}, duplicates ${count.duplicates}, unknown ${count.unknown}`),
    );
    const per = (v: number) => ((v / count.delivered) * 1e6).toFixed(0);
    const c = result.cpu;
    progress(run.phase, `POST duration as logged: avg ${result.postMs.avg.toFixed(1)} ms, p50 ${result.postMs.p50} ms, p99 ${result.postMs.p99} ms → ${(result.perSecond * result.postMs.avg / 1000).toFixed(0)} POSTs in flight on average`);
    progress(run.phase, `CPU µs per delivery: machine ${per(c.machine)} = gateway ${per(c.gateway)} + receiver ${per(c.receiver)} + publisher ${per(c.bench)} + PostgreSQL ${per(c.postgres)} + other processes ${per(c.other)} · WAL ${(walBytes / count.delivered).toFixed(0)} bytes per delivery`);
    return result;
  } finally {
    stop();
  }
}

/**
 * Latency under an open arrival rate: events are due at fixed intervals and published at
 * their due time whether or not earlier ones finished; latency runs from the due time (not
 * from when the publish call started), so a stalled publisher cannot hide queueing
 * (no coordinated omission). Each event is one publish call (the platform's live path).
 */
export async function runLatency(run: DeliveryRun, deliveriesPerSecond: number, seconds: number, warmupSeconds: number, timeoutMs: number): Promise<LatencyResult> {
  const { bench, fixture, receiver } = run;
  const healthyIds = fixture.endpointIds.slice(0, run.healthy);
  const eventsPerSecond = deliveriesPerSecond / run.healthy;
  const intervalMs = 1000 / eventsPerSecond;
  const total = Math.max(1, Math.floor(eventsPerSecond * (warmupSeconds + seconds)));
  const before = await lastDeliveryId(bench.db.pool);
  const due = new Map<string, number>();
  const pending: Array<Promise<void>> = [];
  let late = 0;
  let failed = 0;
  const stop = ticker(run.phase, 1000, async () => {
    const c = await receiver.count();
    return `offered ${fmt(deliveriesPerSecond)} deliveries/s · published ${fmt(due.size)}/${fmt(total)} events · received ${fmt(c.perRoute.slice(0, run.healthy).reduce((a, b) => a + b, 0))} healthy POSTs`;
  });
  const probe0 = await run.gateway.sample();
  const cpu0 = cpuSample({ gateway: probe0.cpuSeconds, receiver: (await receiver.count()).cpuSeconds, postgresPid: run.postgresPid });
  const statements0 = bench.db.statements();
  const start = monoMs() + 20;
  // The first seconds run at the same rate but are not timed: they carry the switch from
  // the previous run (its leftover writes, autovacuum catching up), not this load.
  const measureFrom = start + warmupSeconds * 1000;
  try {
    for (let i = 0; i < total; ) {
      const now = monoMs();
      while (i < total && start + i * intervalMs <= now) {
        const at = start + i * intervalMs;
        if (now - at > 5) late++;
        pending.push(
          publish(bench.core, fixture).then(
            (r) => void due.set(r.eventId, at),
            () => void failed++,
          ),
        );
        i++;
      }
      await sleep(Math.max(0, Math.min(5, start + i * intervalMs - monoMs())));
    }
    await Promise.all(pending);
    const probe1 = await run.gateway.sample();
    const cpu = cpuSplit(cpu0, cpuSample({ gateway: probe1.cpuSeconds, receiver: (await receiver.count()).cpuSeconds, postgresPid: run.postgresPid }));
    const statements = { gateway: probe1.statements - probe0.statements, publish: bench.db.statements() - statements0 };
    if (failed) throw new Error(`${failed} publish calls failed`);
    const expected = total * run.healthy;
    await waitUntil(async () => {
      const c = await receiver.count();
      return c.perRoute.slice(0, run.healthy).reduce((a, b) => a + b, 0) >= expected;
    }, timeoutMs, `${fmt(expected)} healthy deliveries`, 10);
    stop();
    await sleep(300);
    const got = await receiver.take();
    const queued = await deliveriesSince(bench.db.pool, before, healthyIds);
    const count = countDeliveries(got, run.healthy, queued, expected);
    const latencies: number[] = [];
    const perSecond: number[][] = [];
    let last = start;
    for (let i = 0; i < got.ids.length; i++) {
      if (got.route[i]! >= run.healthy) continue;
      const event = queued.get(got.ids[i]!);
      const at = event === undefined ? undefined : due.get(event);
      if (at === undefined || at < measureFrom) continue;
      latencies.push(got.at[i]! - at);
      (perSecond[Math.floor((at - measureFrom) / 1000)] ??= []).push(got.at[i]! - at);
      last = Math.max(last, got.at[i]!);
    }
    const result: LatencyResult = {
      ...count,
      offeredPerSecond: deliveriesPerSecond,
      achievedPerSecond: count.delivered / ((last - start) / 1000),
      warmupSeconds,
      seconds,
      latency: percentiles(latencies),
      latePublishes: late,
      cpu,
      statements,
      timeline: [...perSecond.entries()].map(([second, v]) => {
        const p = percentiles(v ?? []);
        return { second, p50: Math.round(p.p50 * 10) / 10, p99: Math.round(p.p99 * 10) / 10 };
      }),
    };
    const per = (v: number) => ((v / total / run.healthy) * 1e6).toFixed(0);
    progress(
      run.phase,
      `CPU µs per healthy delivery: machine ${per(cpu.machine)} = gateway ${per(cpu.gateway)} + receiver ${per(cpu.receiver)} + publisher ${per(cpu.bench)} + PostgreSQL ${per(cpu.postgres)} + other ${per(cpu.other)} · statements per delivery: gateway ${(statements.gateway / total / run.healthy).toFixed(3)}, publish ${(statements.publish / total / run.healthy).toFixed(3)}`,
    );
    progress(run.phase, `p50/p99 per second: ${result.timeline.map((t) => `${t.p50.toFixed(0)}/${t.p99.toFixed(0)}`).join(' ')}`);
    progress(
      run.phase,
      `at ${fmt(deliveriesPerSecond)} deliveries/s offered: p50 ${result.latency.p50.toFixed(1)} ms, p95 ${result.latency.p95.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms` +
        (count.exactlyOnce ? ' · exactly once' : ` · VOID: published ${count.published}, delivered ${count.delivered}, duplicates ${count.duplicates}`),
    );
    return result;
  } finally {
    stop();
  }
}
