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
  close(): Promise<void>;
}

// bigint ids (deliveries, attempts) stay strings: they leave the process as opaque ids.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export async function openDatabase(url: string, opts: { poolMax?: number; migrate?: boolean } = {}): Promise<Database> {
  const orm = await MikroORM.init(ormConfig(url, Math.max(2, Math.ceil((opts.poolMax ?? 10) / 2))));
  if (opts.migrate !== false) await orm.getMigrator().up();
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10 });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return {
    orm,
    pool,
    url,
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
