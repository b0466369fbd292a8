import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

/** The real parts the reliability scenarios break on purpose. */

export const now = () => performance.now();

/** A durable PostgreSQL of the run's own (fsync on: an acknowledged event must survive a crash). */
export async function startPostgres() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reliability-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  let server: EmbeddedDatabase | null = await startEmbeddedPostgres({ dir, port });
  const admin = server.url;
  const pidFile = path.join(dir, 'pgdata', 'postmaster.pid');
  const postmaster = () => Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const serverPids = () => [postmaster(), ...execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster())], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean)];
  const exec = async (sql: string) => {
    const c = new pg.Client(admin);
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    /** A new, migrated database; `migrated: false` leaves it empty. */
    async database(name: string, migrated = true): Promise<string> {
      await exec(`drop database if exists ${name} with (force)`);
      await exec(`create database ${name}`);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      if (migrated) await migrate(url.toString(), loadConfig({}).database);
      return url.toString();
    },
    async stopHard(): Promise<void> {
      const pm = postmaster();
      process.kill(pm, 'SIGQUIT');
      while (alive(pm)) await new Promise((r) => setTimeout(r, 10));
      server = null;
    },
    async start(): Promise<void> {
      server = await startEmbeddedPostgres({ dir, port });
    },
    freeze: () => serverPids().forEach((pid) => process.kill(pid, 'SIGSTOP')),
    thaw: () => serverPids().forEach((pid) => process.kill(pid, 'SIGCONT')),
    async close(): Promise<void> {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A receiver that records every live POST's webhook-id and arrival time; `hold` makes it keep
 * first-time live POSTs open until released (a slow server).
 */
export async function startReceiver() {
  const arrivals = new Map<string, number[]>();
  const held: Array<{ id: string; res: ServerResponse }> = [];
  let hold = false;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (req.headers['user-agent'] !== 'Kirisan-Webhook/1.0') return void res.writeHead(200).end('ok');
      const times = arrivals.get(id) ?? [];
      times.push(now());
      arrivals.set(id, times);
      if (hold && times.length === 1) held.push({ id, res });
      else res.writeHead(200).end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    held: () => held.length,
    hold(on: boolean) {
      hold = on;
    },
    release(n: number): string[] {
      return held.splice(0, n).map(({ id, res }) => (res.writeHead(200).end('ok'), id));
    },
    reset() {
      arrivals.clear();
      held.splice(0).forEach(({ res }) => res.destroy());
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface GatewayProc {
  child: ChildProcess;
  output(): string;
  exit: Promise<{ code: number | null; signal: string | null; at: number }>;
  stop(): Promise<void>;
}

/** A gateway process (`node dist/src/main.js`); resolves when `ready` is logged. */
export async function startGateway(env: Record<string, string>, ready = 'gateway ready'): Promise<GatewayProc> {
  const child = spawn(process.execPath, [path.resolve('dist/src/main.js')], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ENV_FILE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-200_000)));
  child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-200_000)));
  const exit = new Promise<{ code: number | null; signal: string | null; at: number }>((r) => child.once('exit', (code, signal) => r({ code, signal, at: now() })));
  await Promise.race([
    until(() => out.includes(ready)),
    exit.then((e) => {
      throw new Error(`gateway exited (${e.code}) before it was ready:\n${out.slice(-3000)}`);
    }),
  ]);
  return {
    child,
    output: () => out,
    exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** Polls until `check` holds (the scenarios wait on signals, with a generous guard). */
export async function until(check: () => boolean | Promise<boolean>, guardMs = 300_000): Promise<void> {
  const start = now();
  while (!(await check())) {
    if (now() - start > guardMs) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const baseOf = (g: GatewayProc) => /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(g.output())![1]!;

export function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
