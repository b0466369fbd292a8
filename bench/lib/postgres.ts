import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

/**
 * The bench's PostgreSQL: DATABASE_URL when set (the server must let this role create
 * databases), otherwise an embedded one with fsync off under .data/bench-*, removed at the
 * end. Every phase gets its own database, cloned from a migrated template, so that one
 * phase's rows never slow the next.
 */
export interface BenchPostgres {
  /** Where the server runs: `embedded` or the host of DATABASE_URL. */
  kind: string;
  version: string;
  /** The postmaster's pid when the server runs here (embedded), for its CPU; null otherwise. */
  pid: number | null;
  /** Connection string of the server's maintenance database. */
  adminUrl: string;
  createDatabase(name: string): Promise<string>;
  /**
   * Drops a phase's database once the phase is over, so that autovacuum does not clean up
   * after one phase while the next one is being measured.
   */
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const TEMPLATE = 'bench_template';

export async function startBenchPostgres(databaseUrl: string | undefined): Promise<BenchPostgres> {
  let adminUrl = databaseUrl;
  let stopServer: () => Promise<void> = async () => undefined;
  let kind = 'external';
  let pid: number | null = null;
  if (!adminUrl) {
    await mkdir(path.resolve('.data'), { recursive: true });
    const dir = await mkdtemp(path.resolve('.data', 'bench-'));
    try {
      const server = await startEmbeddedPostgres({ dir, ephemeral: true });
      adminUrl = server.url;
      pid = Number((await readFile(path.join(dir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n', 1)[0]) || null;
      stopServer = async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    kind = 'embedded (fsync off)';
  }
  const admin = adminUrl;
  const created: string[] = [];
  const exec = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      return await c.query<{ v: string }>(sql);
    } finally {
      await c.end();
    }
  };
  const urlOf = (name: string) => {
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const version = (await exec(`select current_setting('server_version') as v`)).rows[0]?.v ?? '?';
  await exec(`drop database if exists ${TEMPLATE} with (force)`);
  await exec(`create database ${TEMPLATE}`);
  created.push(TEMPLATE);
  await migrate(urlOf(TEMPLATE), loadConfig({}).database);
  return {
    kind,
    version,
    pid,
    adminUrl: admin,
    async createDatabase(name) {
      await exec(`drop database if exists ${name} with (force)`);
      await exec(`create database ${name} template ${TEMPLATE}`);
      created.push(name);
      return urlOf(name);
    },
    async dropDatabase(name) {
      await exec(`drop database if exists ${name} with (force)`);
      const i = created.indexOf(name);
      if (i >= 0) created.splice(i, 1);
    },
    async stop() {
      if (databaseUrl) for (const name of created.reverse()) await exec(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await stopServer();
    },
  };
}
