import pg from 'pg';
import type { ProbeReply } from '../lib/gatewayProcess.js';

/**
 * Preloaded into a gateway process under test (`node --import probe.js dist/src/main.js`):
 * counts the SQL statements the process sends (every pg client, the ORM's included), times
 * its claim statements (named `claim_…`: start of the call → result) and answers the
 * bench's `sample` request with those and the process's own CPU time and peak RSS. The
 * claim times and row counts are those since the previous sample. It changes nothing else
 * in the gateway.
 */
let statements = 0;
let claimMs: number[] = [];
let claimRows = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements++;
  const config = args[0] as { name?: unknown } | undefined;
  if (typeof config?.name === 'string' && config.name.startsWith('claim')) {
    const t0 = performance.now();
    const done = (r: { rowCount?: number | null } | undefined) => {
      claimMs.push(performance.now() - t0);
      claimRows += r?.rowCount ?? 0;
    };
    // pg-pool passes a callback; a direct client call may use the promise.
    const cb = args[args.length - 1];
    if (typeof cb === 'function') {
      args[args.length - 1] = (err: unknown, r: { rowCount?: number | null } | undefined) => {
        if (!err) done(r);
        return (cb as (e: unknown, r: unknown) => unknown)(err, r);
      };
    } else {
      const result = (query as (...a: unknown[]) => unknown).apply(this, args);
      if (result instanceof Promise) result.then(done, () => undefined);
      return result;
    }
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

process.on('message', (m: unknown) => {
  if (m !== 'sample') return;
  const cpu = process.cpuUsage();
  const reply: ProbeReply = {
    statements,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    systemCpuSeconds: cpu.system / 1e6,
    // resourceUsage().maxRSS is in kilobytes: the process's peak since it started.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssMb: process.memoryUsage.rss() / 1024 / 1024,
    claimMs,
    claimRows,
  };
  claimMs = [];
  claimRows = 0;
  process.send?.(reply);
});

// If the bench dies without stopping us, stop as a signal would: no orphaned gateway.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
