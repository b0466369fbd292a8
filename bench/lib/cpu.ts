import { readFileSync } from 'node:fs';

/**
 * Where the machine's CPU went during a run: the gateway (its probe), the receiver, the
 * bench itself (publisher), and the rest of the machine, which on this box is PostgreSQL.
 * Seconds of CPU, summed over cores.
 */
export interface CpuSplit {
  machine: number;
  gateway: number;
  receiver: number;
  bench: number;
  /** machine − the three above: PostgreSQL's backends, plus anything else running. */
  postgresAndRest: number;
}

/** Busy CPU seconds of the whole machine since boot (/proc/stat; 0 where there is none). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return (total - idle) / 100; // USER_HZ
  } catch {
    return 0;
  }
}

export const benchCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export function cpuSplit(before: Omit<CpuSplit, 'postgresAndRest'>, after: Omit<CpuSplit, 'postgresAndRest'>): CpuSplit {
  const d = {
    machine: after.machine - before.machine,
    gateway: after.gateway - before.gateway,
    receiver: after.receiver - before.receiver,
    bench: after.bench - before.bench,
  };
  return { ...d, postgresAndRest: Math.max(0, d.machine - d.gateway - d.receiver - d.bench) };
}
