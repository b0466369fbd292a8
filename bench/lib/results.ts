import { medianBy } from './stats.js';
import type { RateLimitResult } from '../phases/rateLimit.js';
import type { B0Result } from '../phases/b0.js';
import type { B1Result } from '../phases/b1.js';
import type { LatencyResult, ThroughputResult } from '../phases/delivery.js';
import type { GraphileResult } from '../phases/graphile.js';
import type { LiveFeedResult } from '../phases/liveFeed.js';
import type { LogQueriesResult } from '../phases/logQueries.js';
import { pointLabel, type ScalingResult } from '../phases/scaling.js';
import type { SecurityResult } from '../phases/security.js';
import type { CpuSplit, MachineLoad } from './cpu.js';
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
  graphile?: GraphileResult;
  /** `throughputRuns`: every clean run's deliveries/s when there were several (`throughput` is the median one). */
  clean?: { throughput: ThroughputResult; latency: LatencyResult; throughputRuns?: number[] };
  isolation?: { throughput: ThroughputResult; latency: LatencyResult };
  logs?: LogQueriesResult;
  feed?: LiveFeedResult;
  scaling?: ScalingResult[];
  security?: SecurityResult;
  rateLimit?: RateLimitResult;
  /** The machine before each phase. */
  loads?: Array<MachineLoad & { phase: string }>;
  table?: Row[];
  /** Why the run stopped early (the figures before it are kept). */
  error?: string;
}

/** The targets. */
export const TARGETS = {
  /** This turn's target; 0.5× is the standing goal. */
  throughputVsB0: 0.35,
  throughputVsGraphile: 1.5,
  throughputMin: 3_000,
  latencyP50: 15,
  latencyP99: 60,
  isolationThroughput: 0.9,
  isolationP99: 1.5,
  logP95: 25,
  feedP99: 150,
  peakRssMb: 300,
  /** Deliveries/s at 1,000 and 10,000 endpoints with work, vs 10. */
  endpointsFlat: 0.8,
  /** With 1,000,000 not-due deliveries, with 20,000,000 attempts stored, and while retention drops a day, vs none. */
  historyFlat: 0.9,
  /** Dropping a day of 1,000,000 attempts. */
  retentionSeconds: 1,
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
  const g = r.graphile;
  if (g) {
    const cfg = `concurrency ${g.settings['GW_CONCURRENCY']}, localQueue ${g.settings['GW_LOCAL_QUEUE']}, completeJobBatchDelay ${g.settings['GW_COMPLETE_DELAY']}, pool ${g.settings['GW_POOL']}`;
    rows.push(row(`graphile-worker ${g.version} (a job per delivery)`, perS(g.perSecond), `runs ${g.runs.map((x) => fmt(x.perSecond)).join(' / ')}`, '', `median; ${cfg}`));
  }
  const limit = r.b0 && r.b1 ? Math.min(r.b0.perSecond, r.b1.perSecond) : r.b0?.perSecond;
  const once = (name: string, c: { exactlyOnce: boolean; published: number; delivered: number; duplicates: number; unknown: number }): Row =>
    c.exactlyOnce
      ? row(`${name}: published = delivered, each webhook-id once`, `${fmt(c.published)} = ${fmt(c.delivered)}`, '', '', 'exactly once', true)
      : { ...row(`${name}: published ≠ delivered`, `${fmt(c.published)} vs ${fmt(c.delivered)} (+${c.duplicates} dup, ${c.unknown} unknown)`, '', '', 'exactly once'), verdict: 'VOID' };
  if (r.clean) {
    const tp = r.clean.throughput;
    rows.push(
      row(
        r.clean.throughputRuns ? `Throughput (durable deliveries/s; median of ${r.clean.throughputRuns.length}: ${r.clean.throughputRuns.map(fmt).join(' / ')})` : 'Throughput (durable deliveries/s)',
        perS(tp.perSecond),
        r.b0 ? `B0 ${perS(r.b0.perSecond)}` : '',
        r.b0 ? x(tp.perSecond / r.b0.perSecond) : '',
        `≥ ${t.throughputVsB0}× B0 (standing goal 0.5×) and ≥ ${fmt(t.throughputMin)}/s`,
        (!r.b0 || tp.perSecond >= t.throughputVsB0 * r.b0.perSecond) && tp.perSecond >= t.throughputMin,
      ),
    );
    if (limit !== undefined) rows.push(row('Throughput vs min(B0, B1)', perS(tp.perSecond), `min ${perS(limit)}`, x(tp.perSecond / limit)));
    if (g) {
      // Interleaved runs are compared pair by pair (each gateway run with the graphile-worker run
      // right after it, on the same minute's machine); the verdict takes the median pair.
      const pairs = g.interleaved && r.clean.throughputRuns ? r.clean.throughputRuns.slice(0, g.runs.length).map((mine, i) => mine / g.runs[i]!.perSecond) : [];
      const pairRatio = pairs.length ? medianBy(pairs, (r) => r) : tp.perSecond / g.perSecond;
      rows.push(
        row(
          pairs.length ? `Throughput vs graphile-worker (runs interleaved; pairs ${pairs.map(x).join(' / ')}, median pair)` : 'Throughput vs graphile-worker',
          perS(tp.perSecond),
          `graphile-worker ${perS(g.perSecond)}`,
          x(pairRatio),
          `≥ ${t.throughputVsGraphile}×`,
          pairRatio >= t.throughputVsGraphile,
        ),
      );
      // The machine's CPU per delivery without other people's processes: what each design costs.
      const own = (c: CpuSplit, n: number) => ((c.gateway + c.postgres + c.receiver + c.bench) / n) * 1e6;
      const mine = own(tp.cpu, tp.delivered);
      const theirs = own(g.cpu, g.deliveries);
      const usOf = (c: CpuSplit, n: number) => `worker ${((c.gateway / n) * 1e6).toFixed(0)} · PostgreSQL ${((c.postgres / n) * 1e6).toFixed(0)} · receiver ${((c.receiver / n) * 1e6).toFixed(0)} · publisher ${((c.bench / n) * 1e6).toFixed(0)}`;
      rows.push(row('CPU per delivery vs graphile-worker (all our processes)', `${mine.toFixed(0)} µs`, `graphile-worker ${theirs.toFixed(0)} µs`, x(mine / theirs), `below graphile-worker (${usOf(g.cpu, g.deliveries)})`, mine < theirs));
      rows.push(once('graphile-worker runs', { published: g.runs.length * g.deliveries, delivered: g.runs.reduce((a, x) => a + x.deliveries, 0), duplicates: 0, unknown: 0, exactlyOnce: g.exactlyOnce }));
    }
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
        `gateway ${us(tp.cpu.gateway)} · receiver ${us(tp.cpu.receiver)} · publisher ${us(tp.cpu.bench)} · PostgreSQL ${us(tp.cpu.postgres)} · other ${us(tp.cpu.other)}`,
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
    // Writes per delivery, whatever the machine's load: what one primary's disk and replicas carry.
    const walOf = (bytes: number, n: number) => `${fmt(bytes / Math.max(1, n))} B`;
    rows.push(row('WAL per delivery (throughput run)', walOf(tp.walBytes, tp.delivered), g ? `graphile-worker ${walOf(g.walBytes, g.deliveries)}` : '', g ? x(tp.walBytes / tp.delivered / (g.walBytes / g.deliveries)) : ''));
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
  if (r.scaling) {
    for (const p of r.scaling) {
      if (p.point.reference || p.ratio === null) continue;
      const target = p.point.group === 'endpoints' && p.point.endpoints >= 1_000 ? t.endpointsFlat : ['backlog', 'attempts', 'retention'].includes(p.point.group) ? t.historyFlat : null;
      const ref = r.scaling.find((x) => x.point.group === p.point.group && x.point.reference);
      rows.push(
        row(
          `Scaling · ${pointLabel(p.point)}`,
          perS(p.perSecond),
          ref ? `${pointLabel(ref.point)} ${perS(ref.perSecond)}` : '',
          x(p.ratio),
          target === null ? '' : `≥ ${target}× reference`,
          target === null ? null : p.ratio >= target,
        ),
      );
    }
    for (const p of r.scaling) {
      if (!p.drop) continue;
      rows.push(row(`Retention: a day of ${fmt(p.drop.attempts)} attempts dropped (during deliveries)`, `${p.drop.seconds.toFixed(3)} s`, '', '', `< ${t.retentionSeconds} s`, p.drop.seconds < t.retentionSeconds && p.drop.attempts > 0));
    }
    const all = r.scaling.reduce((a, p) => ({ ...a, published: a.published + p.published, delivered: a.delivered + p.delivered, duplicates: a.duplicates + p.duplicates, unknown: a.unknown + p.unknown, exactlyOnce: a.exactlyOnce && p.exactlyOnce }), { published: 0, delivered: 0, duplicates: 0, unknown: 0, exactlyOnce: true });
    rows.push(once('Scaling points', all));
  }
  if (r.security) {
    const { seal, revocation, publish, limits } = r.security;
    const gatewayUs = r.clean ? (r.clean.throughput.cpu.gateway / r.clean.throughput.delivered) * 1e6 : null;
    rows.push(
      row(
        'Secrets at rest: open a sealed value (first time / cached)',
        `${seal.openUncachedUs.toFixed(2)} µs / ${seal.openCachedUs.toFixed(3)} µs`,
        gatewayUs === null ? `seal ${seal.sealUs.toFixed(2)} µs` : `gateway ${gatewayUs.toFixed(0)} µs/delivery`,
        gatewayUs === null ? '' : `${(((2 * seal.openCachedUs) / gatewayUs) * 100).toFixed(2)}% (2 cached opens)`,
        'secret + signing key per delivery',
      ),
    );
    rows.push(
      row(
        'Revocation → subscription closed in another process (p50 / p95 / max)',
        `${ms(revocation.fromCall.p50)} / ${ms(revocation.fromCall.p95)} / ${ms(revocation.fromCall.max)}`,
        `after the call returned: p95 ${ms(revocation.fromReturn.p95)}`,
        `close codes ${revocation.codes.join(', ')}`,
        '≤ 1000 ms, 4403',
        revocation.fromCall.max <= 1000 && revocation.codes.every((c) => c === 4403),
      ),
    );
    rows.push(
      row(
        'Publish with an idempotency key (new / replayed)',
        `${perS(publish.keyedPerSecond)} / ${perS(publish.replayPerSecond)}`,
        `no key ${perS(publish.plainPerSecond)}`,
        x(publish.keyedPerSecond / publish.plainPerSecond),
        `${fmt(publish.events)} events each, ${publish.concurrency} calls in flight`,
      ),
    );
    rows.push(
      row(
        'Operation limits: parse + validate per operation (with limits)',
        `${limits.limitedUs.toFixed(1)} µs`,
        `graphql alone ${limits.plainUs.toFixed(1)} µs`,
        `+${(limits.limitedUs - limits.plainUs).toFixed(1)} µs (${x(limits.limitedUs / limits.plainUs)})`,
        'aliases, depth, directives, tokens, nesting, cost; before any resolver',
      ),
    );
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

/** The scaling curves: one line per point, with its CPU split, its claims and the machine's load. */
export function scalingGrid(r: ScalingResult[]): { header: string[]; rows: string[][] } {
  const header = ['Group', 'Point', 'Deliveries/s', 'Ratio', 'Gateway µs', 'PostgreSQL µs', 'Receiver µs', 'Publisher µs', 'Other µs', 'WAL B', 'Claim p50', 'Claim p99', 'Rows/claim', 'Load (1 min)', 'Others (cores)', 'Exactly once'];
  const rows = r.map((p) => {
    const us = (v: number) => ((v / Math.max(1, p.delivered)) * 1e6).toFixed(0);
    return [
      p.point.group,
      `${pointLabel(p.point)}${p.point.reference ? ' (ref)' : ''}`,
      fmt(p.perSecond),
      p.ratio === null ? '' : x(p.ratio),
      us(p.cpu.gateway),
      us(p.cpu.postgres),
      us(p.cpu.receiver),
      us(p.cpu.bench),
      us(p.cpu.other),
      fmt(p.walBytes / Math.max(1, p.delivered)),
      ms(p.claims.p50),
      ms(p.claims.p99),
      p.claims.rowsPerClaim.toFixed(0),
      p.load.load1.toFixed(2),
      `${p.load.otherCores.toFixed(2)} / ${p.otherCoresDuring.toFixed(2)}`,
      p.exactlyOnce ? 'yes' : 'VOID',
    ];
  });
  return { header, rows };
}
