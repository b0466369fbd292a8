import { createWriteStream } from 'node:fs';
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
  /**
   * With `pgStats`: the statements that took the server's time since the last call (from
   * pg_stat_statements, nested ones included), and a reset. Null without it.
   */
  topStatements(limit?: number): Promise<Array<{ query: string; calls: number; ms: number; rows: number }> | null>;
  stop(): Promise<void>;
}

const TEMPLATE = 'bench_template';

/**
 * Profiling (`--pg-stats`): pg_stat_statements for every statement, nested ones (inside the
 * claim function) included, and auto_explain of anything slower than 50 ms into the server's
 * log (.data/bench-postgres.log). Costs some CPU: not for the figures of record.
 */
const PROFILING = [
  'shared_preload_libraries=pg_stat_statements,auto_explain',
  'pg_stat_statements.track=all',
  'auto_explain.log_min_duration=50',
  'auto_explain.log_nested_statements=on',
  'auto_explain.log_analyze=on',
  'auto_explain.log_buffers=on',
];

export async function startBenchPostgres(databaseUrl: string | undefined, opts: { pgStats?: boolean; settings?: string[] } = {}): Promise<BenchPostgres> {
  let adminUrl = databaseUrl;
  let stopServer: () => Promise<void> = async () => undefined;
  let kind = 'external';
  let pid: number | null = null;
  if (!adminUrl) {
    await mkdir(path.resolve('.data'), { recursive: true });
    const dir = await mkdtemp(path.resolve('.data', 'bench-'));
    try {
      const log = opts.pgStats ? createWriteStream(path.resolve('.data', 'bench-postgres.log')) : null;
      const server = await startEmbeddedPostgres({ dir, ephemeral: true, settings: [...(opts.pgStats ? PROFILING : []), ...(opts.settings ?? [])], onLog: log ? (line) => log.write(`${line}\n`) : undefined });
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
  if (opts.pgStats) await exec('create extension if not exists pg_stat_statements');
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
    async topStatements(limit = 8) {
      if (!opts.pgStats) return null;
      const { rows } = await exec(
        `select left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query, sum(calls)::int as calls, sum(total_exec_time)::float8 as ms, sum(rows)::int as rows
           from pg_stat_statements group by 1 order by 3 desc limit ${Number(limit)}`,
      );
      await exec('select pg_stat_statements_reset()');
      return rows as unknown as Array<{ query: string; calls: number; ms: number; rows: number }>;
    },
    async stop() {
      if (databaseUrl) for (const name of created.reverse()) await exec(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await stopServer();
    },
  };
}
