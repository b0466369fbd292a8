import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

/**
 * A PostgreSQL of a test's own, to break on purpose: stopped hard (an immediate shutdown, as a
 * crash or a failover looks to clients) and started again on the same port, or frozen
 * (SIGSTOP of every server process: connections stay open, nothing answers) and thawed.
 * Durable (fsync on): an acknowledged event must survive the crash.
 */
export async function startOutagePostgres() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outage-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  let server: EmbeddedDatabase | null = await startEmbeddedPostgres({ dir, port });
  const admin = server.url;
  const c = new pg.Client(admin);
  await c.connect();
  await c.query('create database outage');
  await c.end();
  const url = new URL(admin);
  url.pathname = '/outage';
  await migrate(url.toString(), loadConfig({}).database);

  const pidFile = path.join(dir, 'pgdata', 'postmaster.pid');
  const postmaster = () => Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  /** The postmaster and every backend and auxiliary process it started. */
  const serverPids = () => {
    const pm = postmaster();
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pm)], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean);
    return [pm, ...children];
  };

  return {
    url: url.toString(),
    /** Immediate shutdown: every connection dies, nothing is checkpointed (recovery at next start). */
    async stopHard(): Promise<void> {
      const pm = postmaster();
      process.kill(pm, 'SIGQUIT');
      for (;;) {
        try {
          process.kill(pm, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      server = null;
    },
    async start(): Promise<void> {
      server = await startEmbeddedPostgres({ dir, port });
    },
    freeze(): void {
      for (const pid of serverPids()) process.kill(pid, 'SIGSTOP');
    },
    thaw(): void {
      for (const pid of serverPids()) process.kill(pid, 'SIGCONT');
    },
    async close(): Promise<void> {
      try {
        for (const pid of serverPids()) process.kill(pid, 'SIGCONT');
      } catch {
        /* not running */
      }
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
