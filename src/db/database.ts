import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormConfig } from './mikro-orm.config.js';

/**
 * One database handle for the process: MikroORM for the registry, and a plain `pg` pool
 * for the hot path's named statements (batch claim, batch completion, log queries), whose
 * array parameters and `$n` placeholders the ORM's query layer would rewrite.
 */
export interface Database {
  orm: MikroORM;
  pool: pg.Pool;
  url: string;
  /** SQL statements sent so far by this process (both clients): for N+1 checks and the benchmark. */
  statements(): number;
  close(): Promise<void>;
}

// bigint ids (deliveries, attempts) stay strings: they leave the process as opaque ids.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export async function openDatabase(url: string, opts: { poolMax?: number; migrate?: boolean } = {}): Promise<Database> {
  let statements = 0;
  const orm = await MikroORM.init({
    ...ormConfig(url, Math.max(2, Math.ceil((opts.poolMax ?? 10) / 2))),
    onQuery: (sql: string) => {
      statements++;
      return sql;
    },
  });
  if (opts.migrate !== false) await orm.getMigrator().up();
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10 });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof query>) => {
    statements++;
    return query(...args);
  }) as typeof pool.query;
  return {
    orm,
    pool,
    url,
    statements: () => statements,
    async close() {
      await pool.end();
      await orm.close(true);
    },
  };
}

/** Pending migrations, for readiness checks. */
export async function pendingMigrations(orm: MikroORM): Promise<number> {
  return (await orm.getMigrator().getPendingMigrations()).length;
}
