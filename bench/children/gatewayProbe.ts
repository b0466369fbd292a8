import pg from 'pg';
import type { ProbeReply } from '../lib/gatewayProcess.js';

/**
 * Preloaded into a gateway process under test (`node --import probe.js dist/src/main.js`):
 * counts the SQL statements the process sends (every pg client, the ORM's included) and
 * answers the bench's `sample` request with that count and the process's own CPU time and
 * peak RSS. It changes nothing else in the gateway.
 */
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements++;
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
  };
  process.send?.(reply);
});

// If the bench dies without stopping us, stop as a signal would: no orphaned gateway.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
