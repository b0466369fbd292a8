import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Config } from '../config.js';
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

export type DatabaseSettings = Config['database'];

// bigint ids (deliveries, attempts) stay strings: they leave the process as opaque ids.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/**
 * Connection options shared by every connection the gateway opens. The server cancels a long
 * statement (statement_timeout) and ends an abandoned transaction; the client gives up on
 * its own a second later (query_timeout) for the case the server cannot answer at all (frozen,
 * or the network is gone), and TCP keepalive notices a dead peer.
 */
export function connectionOptions(url: string, s: DatabaseSettings): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs,
    query_timeout: s.statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    application_name: 'kirisan-gateway',
  };
}

export async function openDatabase(url: string, settings: DatabaseSettings): Promise<Database> {
  let statements = 0;
  const connection = connectionOptions(url, settings);
  const orm = await MikroORM.init({
    ...ormConfig(url, settings.ormPoolMax),
    driverOptions: {
      connection: { ...connection, connectionString: undefined },
      acquireConnectionTimeout: settings.connectTimeoutMs,
    },
    onQuery: (sql: string) => {
      statements++;
      return sql;
    },
  });
  const pool = new pg.Pool({ ...connection, max: settings.poolMax });
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
