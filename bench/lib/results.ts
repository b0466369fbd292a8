import type { B0Result } from '../phases/b0.js';
import type { B1Result } from '../phases/b1.js';
import type { LatencyResult, ThroughputResult } from '../phases/delivery.js';
import type { LiveFeedResult } from '../phases/liveFeed.js';
import type { LogQueriesResult } from '../phases/logQueries.js';
import { fmt } from './progress.js';
import { row, type Row } from './report.js';

/** Everything one run measured; written as JSON next to the table. */
export interface Results {
  date: string;
  quick: boolean;
  seconds?: number;
  machine?: Record<string, unknown>;
  settings: Record<string, unknown>;
  /** The better of the B0 runs. */
  b0?: B0Result;
  b0Runs?: B0Result[];
  b1?: B1Result;
  clean?: { throughput: ThroughputResult; latency: LatencyResult };
  isolation?: { throughput: ThroughputResult; latency: LatencyResult };
  logs?: LogQueriesResult;
  feed?: LiveFeedResult;
  table?: Row[];
}

/** The targets. */
export const TARGETS = {
  throughputVsB0: 0.5,
  throughputMin: 3_000,
  latencyP50: 15,
  latencyP99: 60,
  isolationThroughput: 0.9,
  isolationP99: 1.5,
  logP95: 25,
  feedP99: 150,
  peakRssMb: 300,
};

const ms = (v: number) => `${v.toFixed(1)} ms`;
const x = (v: number) => `${v.toFixed(2)}×`;
const perS = (v: number) => `${fmt(v)}/s`;

/** The final table: each figure beside its baseline and its target. */
export function buildRows(r: Results): Row[] {
  const rows: Row[] = [];
  const t = TARGETS;
  if (r.b0) {
    const all = (r.b0Runs ?? [r.b0]).map((b) => fmt(b.perSecond)).join(' / ');
    rows.push(row('B0 raw HTTP (undici → receiver, no DB)', perS(r.b0.perSecond), `runs ${all}`, '', `${r.b0.concurrency} in flight, best run`));
  }
  if (r.b1) rows.push(row("B1 gateway SQL, no HTTP", perS(r.b1.perSecond), '', '', `${r.b1.loops} loops`));
  const limit = r.b0 && r.b1 ? Math.min(r.b0.perSecond, r.b1.perSecond) : r.b0?.perSecond;
  const once = (name: string, c: { exactlyOnce: boolean; published: number; delivered: number; duplicates: number; unknown: number }): Row =>
    c.exactlyOnce
      ? row(`${name}: published = delivered, each webhook-id once`, `${fmt(c.published)} = ${fmt(c.delivered)}`, '', '', 'exactly once', true)
      : { ...row(`${name}: published ≠ delivered`, `${fmt(c.published)} vs ${fmt(c.delivered)} (+${c.duplicates} dup, ${c.unknown} unknown)`, '', '', 'exactly once'), verdict: 'VOID' };
  if (r.clean) {
    const tp = r.clean.throughput;
    rows.push(
      row(
        'Throughput (durable deliveries/s)',
        perS(tp.perSecond),
        r.b0 ? `B0 ${perS(r.b0.perSecond)}` : '',
        r.b0 ? x(tp.perSecond / r.b0.perSecond) : '',
        `≥ ${t.throughputVsB0}× B0 and ≥ ${fmt(t.throughputMin)}/s`,
        (!r.b0 || tp.perSecond >= t.throughputVsB0 * r.b0.perSecond) && tp.perSecond >= t.throughputMin,
      ),
    );
    if (limit !== undefined) rows.push(row('Throughput vs min(B0, B1)', perS(tp.perSecond), `min ${perS(limit)}`, x(tp.perSecond / limit)));
    rows.push(once('Throughput run', tp));
    const lat = r.clean.latency;
    const load = `at ${perS(lat.offeredPerSecond)} (${Math.round((lat.offeredPerSecond / tp.perSecond) * 100)}% of max)`;
    rows.push(row(`Latency p50 ${load}`, ms(lat.latency.p50), '', '', `≤ ${t.latencyP50} ms`, lat.latency.p50 <= t.latencyP50));
    rows.push(row('Latency p95', ms(lat.latency.p95)));
    rows.push(row('Latency p99', ms(lat.latency.p99), '', '', `≤ ${t.latencyP99} ms`, lat.latency.p99 <= t.latencyP99));
    rows.push(once('Latency run', lat));
    rows.push(row('Gateway CPU per 10,000 deliveries', `${((tp.cpuSeconds / tp.delivered) * 10_000).toFixed(2)} CPU s`, '', '', '', null));
    const us = (v: number) => ((v / tp.delivered) * 1e6).toFixed(0);
    rows.push(
      row(
        'Machine CPU per delivery (throughput run)',
        `${us(tp.cpu.machine)} µs`,
        r.b0 ? `B0 ${r.b0.machineCpuUs.toFixed(0)} µs/POST` : '',
        '',
        `gateway ${us(tp.cpu.gateway)} · receiver ${us(tp.cpu.receiver)} · publisher ${us(tp.cpu.bench)} · PostgreSQL ${us(tp.cpu.postgresAndRest)}`,
      ),
    );
    rows.push(row('Gateway peak RSS (throughput run)', `${fmt(tp.peakRssMb)} MB`, '', '', `≤ ${t.peakRssMb} MB`, tp.peakRssMb <= t.peakRssMb));
    rows.push(
      row(
        'SQL statements per delivery (gateway + publish)',
        `${((tp.gatewayStatements + tp.publishStatements) / tp.delivered).toFixed(3)}`,
        `gateway ${(tp.gatewayStatements / tp.delivered).toFixed(3)}`,
        `publish ${(tp.publishStatements / tp.delivered).toFixed(3)}`,
      ),
    );
  }
  if (r.isolation) {
    const it = r.isolation.throughput;
    const il = r.isolation.latency;
    const ct = r.clean?.throughput;
    const cl = r.clean?.latency;
    rows.push(
      row(
        'Isolation: healthy throughput (1 hangs, 1 fails)',
        perS(it.perSecond),
        ct ? `clean ${perS(ct.perSecond)}` : '',
        ct ? x(it.perSecond / ct.perSecond) : '',
        `≥ ${t.isolationThroughput}× clean`,
        ct ? it.perSecond >= t.isolationThroughput * ct.perSecond : null,
      ),
    );
    rows.push(
      row(
        `Isolation: healthy latency p99 at ${perS(il.offeredPerSecond)}`,
        ms(il.latency.p99),
        cl ? `clean ${ms(cl.latency.p99)}` : '',
        cl ? x(il.latency.p99 / cl.latency.p99) : '',
        `≤ ${t.isolationP99}× clean`,
        cl ? il.latency.p99 <= t.isolationP99 * cl.latency.p99 : null,
      ),
    );
    rows.push(row('Isolation: POSTs to the hanging / failing endpoint', `${fmt(it.extraPosts[0] ?? 0)} / ${fmt(it.extraPosts[1] ?? 0)}`, '', '', '', null));
    rows.push(once('Isolation runs (healthy endpoints)', { ...it, published: it.published + il.published, delivered: it.delivered + il.delivered, duplicates: it.duplicates + il.duplicates, unknown: it.unknown + il.unknown, exactlyOnce: it.exactlyOnce && il.exactlyOnce }));
  }
  if (r.logs) {
    for (const q of r.logs.queries) {
      const worst = Math.max(q.first.p95, q.deep.p95);
      rows.push(
        row(
          `Log p95 · ${q.filter}`,
          `${ms(q.first.p95)} / ${ms(q.deep.p95)}`,
          `p50 ${q.first.p50.toFixed(1)} / ${q.deep.p50.toFixed(1)}`,
          q.seqScan ? 'SEQ SCAN' : 'no seq scan',
          `≤ ${t.logP95} ms, first / deep`,
          worst <= t.logP95 && !q.seqScan,
        ),
      );
    }
  }
  if (r.feed) {
    const f = r.feed;
    rows.push(
      row(
        `Live feed lag p99 (${f.subscribers} subscribers)`,
        ms(f.lag.p99),
        `p50 ${f.lag.p50.toFixed(1)} ms`,
        `${fmt(f.messages)}/${fmt(f.expectedMessages)} msgs`,
        `≤ ${t.feedP99} ms`,
        f.lag.p99 <= t.feedP99 && f.messages === f.expectedMessages && f.errors === 0,
      ),
    );
  }
  return rows;
}
