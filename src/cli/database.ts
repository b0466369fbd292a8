import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/** The database the CLI works on, and how to let go of it. */
export interface CliDatabase {
  url: string;
  /** Where it is, in words (for messages). */
  where: string;
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set; else the embedded PostgreSQL under DATA_DIR: the running gateway's
 * server when there is one (found by its postmaster.pid), or a short-lived start of it. The
 * embedded package is imported only then: its exit hook must not run a CLI using DATABASE_URL.
 */
export async function cliDatabase(config: Config): Promise<CliDatabase> {
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    return { url: config.databaseUrl, where: `${u.hostname}:${u.port || 5432}${u.pathname} (DATABASE_URL)`, release: async () => undefined };
  }
  const dir = path.join(config.dataDir, 'postgres');
  const pidFile = path.join(dir, 'pgdata', 'postmaster.pid');
  if (existsSync(pidFile)) {
    // postmaster.pid: line 1 the pid, line 4 the port.
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    if (alive(Number(lines[0]))) {
      const port = Number(lines[3]);
      return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, where: `the embedded PostgreSQL of the running gateway (${dir}, port ${port})`, release: async () => undefined };
    }
  }
  const { startEmbeddedPostgres } = await import('../db/embedded.js');
  const embedded = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort });
  return { url: embedded.url, where: `the embedded PostgreSQL in ${dir}`, release: () => embedded.stop() };
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
