/**
 * What one bench run does, from the command line (`npm run bench -- --quick --events 5000`).
 * `--quick` shrinks every phase so that the whole run stays under about two minutes; the
 * full run (20,000,000 attempts generated) takes about fifteen.
 */
export interface Settings {
  quick: boolean;
  /** Events published in the throughput runs. @default 20_000 (quick 4_000) */
  events: number;
  /** Healthy endpoints every event fans out to (each on its own receiver port, so its own origin). @default 4 */
  endpoints: number;
  /** Events per publishMany call in the throughput runs. @default 100 */
  publishBatch: number;
  /** publishMany calls in flight during the throughput runs. @default 4 */
  publishConcurrency: number;
  /** Length of each open-arrival latency run, s. */
  latencySeconds: number;
  /** Seconds at the latency rate before timing starts. @default 2 */
  latencyWarmupSeconds: number;
  /** Fraction of the measured maximum offered in the latency runs. @default 0.5 */
  latencyLoad: number;
  /** Deliveries/s offered in the latency runs, instead of latencyLoad × the measured maximum (to compare two settings at one rate). */
  latencyRate: number | null;
  /** Live POST timeout of the gateway under test (the hanging endpoint waits this long), ms. @default 5_000 (quick 1_000: the short runs would otherwise mostly measure the time before the first timeouts) */
  deliveryTimeoutMs: number;
  /** Attempt rows generated for the log queries and the scaling phase's long-history point. @default 20_000_000 (quick 1_000_000) */
  logRows: number;
  /** Timed repetitions of each log query. */
  logRepeats: number;
  /** graphql-ws subscribers of the live feed. @default 500 */
  subscribers: number;
  /** Attempts written per second during the live feed run. */
  feedRate: number;
  feedSeconds: number;
  /** B0 and B1: deliveries each baseline makes. */
  baselineDeliveries: number;
  /** Finished deliveries (with their attempts) each delivery phase's database starts with. @default 100_000 (quick 20_000) */
  historyDeliveries: number;
  /** Scaling phase: deliveries per point. @default 40_000 (quick 10_000) */
  scaleDeliveries: number;
  /** Scaling phase: endpoints with work, one point each; the 10-endpoint point is the reference. */
  scaleEndpoints: number[];
  /** Scaling phase: the curves to measure (all by default): endpoints, backlog, attempts, workers, retention. */
  scaleGroups: Set<string> | null;
  /**
   * Scaling phase: endpoints each event goes to (one device per that many endpoints). 1 =
   * thousands of accounts with an endpoint or two each; the endpoint count = one device whose
   * every event fans out to all of them. @default 1
   */
  scaleFanOut: number;
  /** Scaling phase: not-yet-due deliveries of the backlog point. @default 1_000_000 (quick 200_000) */
  scaleBacklog: number;
  /** Scaling phase, retention point: attempts in the old day whose partition is dropped while deliveries run. @default 1_000_000 (quick 200_000) */
  retentionDay: number;
  /** The retention period of that run, days. @default 30 */
  retentionDays: number;
  /**
   * Scaling phase: measure the reference point again in each group, beside the points it is
   * compared with (full run), rather than once for all groups (quick).
   */
  scaleReferencePerGroup: boolean;
  /** graphile-worker baseline runs; the median counts. @default 3 (quick 1) */
  graphileRuns: number;
  /** The gateway's clean throughput runs (same process and database, one after another); the median counts, as for graphile-worker. @default 3 (quick 1) */
  throughputRuns: number;
  /** Write a --cpu-prof profile of every gateway process into this folder. */
  cpuProfDir: string | null;
  /** Load pg_stat_statements and auto_explain into the bench's PostgreSQL and print what they saw per phase. */
  pgStats: boolean;
  /** Security phase: sealed values opened, revocations timed across processes, publishes per variant, operations parsed and validated. */
  sealValues: number;
  revocations: number;
  securityPublishes: number;
  limitOperations: number;
  /** Server settings of the embedded PostgreSQL (`--pg-settings "autovacuum_naptime=1 work_mem=8MB"`), to try a tuning. */
  pgSettings: string[];
  /** Phases to run (all by default): b0, b1, clean, isolation, logs, feed, scaling, graphile, security, ratelimit. */
  only: Set<string> | null;
}

const ALL_PHASES = ['b0', 'b1', 'clean', 'isolation', 'logs', 'feed', 'scaling', 'graphile', 'security', 'ratelimit'];
const SCALING_GROUPS = ['endpoints', 'backlog', 'attempts', 'workers', 'retention'];

export function parseSettings(argv: string[]): Settings {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a} (flags look like --events 20000)`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(a.slice(2), next);
      i++;
    } else flags.set(a.slice(2), true);
  }
  const quick = flags.has('quick');
  const num = (name: string, full: number, short: number): number => {
    const v = flags.get(name);
    if (v === undefined || v === true) return quick ? short : full;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
    return n;
  };
  const list = (name: string, all: number[]): number[] => {
    const v = flags.get(name);
    if (v === undefined || v === true) return all;
    const ns = String(v).split(',').map(Number);
    if (ns.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--${name} needs a comma-separated list of positive whole numbers, got ${v}`);
    return ns;
  };
  const only = typeof flags.get('only') === 'string' ? new Set(String(flags.get('only')).split(',')) : null;
  for (const p of only ?? []) if (!ALL_PHASES.includes(p)) throw new Error(`--only: unknown phase ${p} (use ${ALL_PHASES.join(', ')})`);
  const groups = typeof flags.get('scale-groups') === 'string' ? new Set(String(flags.get('scale-groups')).split(',')) : null;
  for (const g of groups ?? []) if (!SCALING_GROUPS.includes(g)) throw new Error(`--scale-groups: unknown curve ${g} (use ${SCALING_GROUPS.join(', ')})`);
  const prof = flags.get('cpu-prof');
  return {
    quick,
    events: num('events', 20_000, 4_000),
    endpoints: num('endpoints', 4, 4),
    publishBatch: num('publish-batch', 100, 100),
    publishConcurrency: num('publish-concurrency', 4, 4),
    latencySeconds: num('latency-seconds', 15, 6),
    latencyWarmupSeconds: num('latency-warmup', 2, 2),
    latencyLoad: num('latency-load', 0.5, 0.5),
    latencyRate: flags.has('latency-rate') ? num('latency-rate', 0, 0) : null,
    deliveryTimeoutMs: num('timeout-ms', 5_000, 1_000),
    logRows: num('log-rows', 20_000_000, 1_000_000),
    logRepeats: num('log-repeats', 40, 15),
    subscribers: num('subscribers', 500, 500),
    feedRate: num('feed-rate', 100, 100),
    feedSeconds: num('feed-seconds', 15, 5),
    baselineDeliveries: num('baseline-deliveries', 60_000, 20_000),
    historyDeliveries: num('history', 100_000, 20_000),
    scaleDeliveries: num('scale-deliveries', 40_000, 10_000),
    scaleEndpoints: list('scale-endpoints', [1, 10, 100, 1_000, 10_000]),
    scaleGroups: groups,
    scaleFanOut: num('scale-fanout', 1, 1),
    scaleBacklog: num('scale-backlog', 1_000_000, 200_000),
    scaleReferencePerGroup: !quick,
    retentionDay: num('retention-day', 1_000_000, 200_000),
    retentionDays: num('retention-days', 30, 30),
    graphileRuns: num('graphile-runs', 3, 1),
    throughputRuns: num('throughput-runs', 3, 1),
    sealValues: num('seal-values', 50_000, 10_000),
    revocations: num('revocations', 30, 10),
    securityPublishes: num('security-publishes', 4_000, 1_000),
    limitOperations: num('limit-operations', 20_000, 4_000),
    cpuProfDir: prof === undefined ? null : prof === true ? '.data/cpu-prof' : prof,
    pgStats: flags.has('pg-stats'),
    pgSettings: pgSettings(flags.get('pg-settings')),
    only,
  };
}

function pgSettings(v: string | true | undefined): string[] {
  if (v === undefined) return [];
  const all = v === true ? [] : v.split(/\s+/).filter(Boolean);
  if (!all.length || all.some((x) => !/^[a-z_.]+=\S+$/.test(x))) throw new Error(`--pg-settings needs name=value pairs separated by spaces, got ${v === true ? 'nothing' : v}`);
  return all;
}

export const runs = (s: Settings, phase: string): boolean => !s.only || s.only.has(phase);
