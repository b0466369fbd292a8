import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Where the machine's CPU went during a run: the gateway (its probe), the receiver, the
 * bench itself (publisher), PostgreSQL (its server processes, read from /proc when the
 * server runs on this machine), and what is left: other processes on this shared machine.
 * Seconds of CPU, summed over cores.
 */
export interface CpuSplit {
  machine: number;
  gateway: number;
  receiver: number;
  bench: number;
  /** PostgreSQL's server processes; when they cannot be read (a remote server), machine − the rest. */
  postgres: number;
  /** machine − everything above: other load on the machine (0 when PostgreSQL could not be read). */
  other: number;
}

export type CpuSample = Omit<CpuSplit, 'other'> & { postgresKnown: boolean };

const TICK = 100; // USER_HZ on Linux

/** Busy CPU seconds of the whole machine since boot (/proc/stat; 0 where there is none). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const n = fields.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return (total - idle) / TICK;
  } catch {
    return 0;
  }
}

export const benchCpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** utime, stime, cutime, cstime and ppid of a process (/proc/<pid>/stat), or null when it is gone. */
function stat(pid: number): { ppid: number; self: number; children: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), self: (Number(f[11]) + Number(f[12])) / TICK, children: (Number(f[13]) + Number(f[14])) / TICK };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a process and its children: the live ones, and those that exited and were
 * waited for (PostgreSQL's backends of closed connections are counted by the postmaster).
 */
export function processTreeCpuSeconds(root: number): number | null {
  const top = stat(root);
  if (!top) return null;
  let total = top.self + top.children;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === root) continue;
    const s = stat(pid);
    if (s && s.ppid === root) total += s.self;
  }
  return total;
}

export function cpuSplit(before: CpuSample, after: CpuSample): CpuSplit {
  const machine = after.machine - before.machine;
  const gateway = after.gateway - before.gateway;
  const receiver = after.receiver - before.receiver;
  const bench = after.bench - before.bench;
  const rest = Math.max(0, machine - gateway - receiver - bench);
  const known = before.postgresKnown && after.postgresKnown;
  const postgres = known ? Math.min(rest, after.postgres - before.postgres) : rest;
  return { machine, gateway, receiver, bench, postgres, other: known ? rest - postgres : 0 };
}

/** The machine's load before a phase: load averages, and how much of the CPU other processes took just now. */
export interface MachineLoad {
  load1: number;
  load5: number;
  load15: number;
  cores: number;
  /** Cores other processes kept busy over the sample (machine busy − the bench's own processes). */
  otherCores: number;
}

/**
 * Samples the machine for `ms` while the bench's own processes (`own()`: their CPU seconds
 * so far) are idle: whatever else ran meanwhile belongs to other people on this machine.
 */
export async function sampleLoad(own: () => number, ms = 1_000): Promise<MachineLoad> {
  const [load1, load5, load15] = os.loadavg() as [number, number, number];
  const m0 = machineBusySeconds();
  const o0 = own();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const seconds = (performance.now() - t0) / 1000;
  const otherCores = Math.max(0, machineBusySeconds() - m0 - (own() - o0)) / seconds;
  return { load1, load5, load15, cores: os.cpus().length, otherCores };
}

/** `load 1.23 / 0.98 / 0.70 · others 0.4 cores`, and a warning when another process held a core. */
export function describeLoad(l: MachineLoad): string {
  const base = `load ${l.load1.toFixed(2)} / ${l.load5.toFixed(2)} / ${l.load15.toFixed(2)} · other processes ${l.otherCores.toFixed(2)} of ${l.cores} cores`;
  return l.otherCores >= 0.5 ? `${base} · WARNING: another process holds ${l.otherCores >= 1.5 ? 'most of the machine' : 'about a core'}; figures of this phase are low` : base;
}

/** One reading of every process the bench watches (gateway and receiver CPU as they reported it). */
export function cpuSample(p: { gateway: number; receiver: number; postgresPid: number | null }): CpuSample {
  const postgres = p.postgresPid ? processTreeCpuSeconds(p.postgresPid) : null;
  return { machine: machineBusySeconds(), gateway: p.gateway, receiver: p.receiver, bench: benchCpuSeconds(), postgres: postgres ?? 0, postgresKnown: postgres !== null };
}
