/**
 * What one bench run does, from the command line (`npm run bench -- --quick --events 5000`).
 * `--quick` shrinks every phase so that the whole run stays under two minutes; the full run
 * stays under ten.
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
  /** Live POST timeout of the gateway under test (the hanging endpoint waits this long), ms. @default 5_000 (quick 1_000: the short runs would otherwise mostly measure the time before the first timeouts) */
  deliveryTimeoutMs: number;
  /** Attempt rows generated for the log queries. @default 2_000_000 (quick 300_000) */
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
  /** Write a --cpu-prof profile of every gateway process into this folder. */
  cpuProfDir: string | null;
  /** Phases to run (all by default): b0, b1, clean, isolation, logs, feed. */
  only: Set<string> | null;
}

const ALL_PHASES = ['b0', 'b1', 'clean', 'isolation', 'logs', 'feed'];

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
  const only = typeof flags.get('only') === 'string' ? new Set(String(flags.get('only')).split(',')) : null;
  for (const p of only ?? []) if (!ALL_PHASES.includes(p)) throw new Error(`--only: unknown phase ${p} (use ${ALL_PHASES.join(', ')})`);
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
    deliveryTimeoutMs: num('timeout-ms', 5_000, 1_000),
    logRows: num('log-rows', 2_000_000, 300_000),
    logRepeats: num('log-repeats', 40, 15),
    subscribers: num('subscribers', 500, 500),
    feedRate: num('feed-rate', 100, 100),
    feedSeconds: num('feed-seconds', 15, 5),
    baselineDeliveries: num('baseline-deliveries', 60_000, 20_000),
    historyDeliveries: num('history', 100_000, 20_000),
    cpuProfDir: prof === undefined ? null : prof === true ? '.data/cpu-prof' : prof,
    only,
  };
}

export const runs = (s: Settings, phase: string): boolean => !s.only || s.only.has(phase);
