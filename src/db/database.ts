import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Vault } from '../core/security/vault.js';
import { tagQuery } from './errorFacts.js';
import { ormConfig } from './mikro-orm.config.js';
import { cancelledByServer, isDatabaseUnavailable } from './unavailable.js';

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
  /**
   * False from the moment a statement found the database unreachable (refused, timed out)
   * until a probe gets an answer again: callers fail fast instead of each waiting out the
   * timeouts (see core/index.ts).
   */
  available(): boolean;
  /**
   * Named SQL on a connection the ORM lent (inside an ORM transaction, db/transaction.ts),
   * counted and watched like the pool's statements.
   */
  lent(connection: pg.ClientBase): SqlClient;
  close(): Promise<void>;
}

/** Something named statements can be sent on; the pool, a client and a lent connection all are. */
export interface SqlClient {
  query: pg.ClientBase['query'];
}

/** How often an unreachable database is probed, ms. */
const PROBE_MS = 500;

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

export interface OpenDatabaseOptions {
  /** Seals endpoint secrets at rest (db/sealedText.ts). */
  vault?: Vault;
  /** Where the ORM's SQL client reports connection trouble (by default it would print to the console, past the logger). */
  onWarning?: (message: string) => void;
}

export async function openDatabase(url: string, settings: DatabaseSettings, opts: OpenDatabaseOptions = {}): Promise<Database> {
  let statements = 0;
  const connection = connectionOptions(url, settings);
  const orm = await MikroORM.init({
    ...ormConfig(url, settings.ormPoolMax, opts.vault),
    driverOptions: {
      connection: { ...connection, connectionString: undefined },
      acquireConnectionTimeout: settings.connectTimeoutMs,
      ...(opts.onWarning ? { log: { warn: opts.onWarning, error: opts.onWarning, deprecate: opts.onWarning, debug: () => undefined } } : {}),
    },
    onQuery: (sql: string) => {
      statements++;
      return sql;
    },
  });
  const pool = new pg.Pool({ ...connection, max: settings.poolMax });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor may a checked-out client's (the connection dropped between two statements of a
  // transaction): pg emits it on the client, where it would be uncaught; its next query fails.
  pool.on('connect', (client) => client.on('error', () => undefined));

  let closed = false;
  let closing: Promise<void> | null = null;
  let down = false;
  let probe: NodeJS.Timeout | null = null;
  let probing = false;
  const observe = (e: unknown) => {
    if (!isDatabaseUnavailable(e) || cancelledByServer(e) || down || closed) return;
    down = true;
    probe = setInterval(() => {
      if (probing) return;
      probing = true;
      query('select 1').then(
        () => {
          down = false;
          if (probe) clearInterval(probe);
          probe = null;
        },
        () => undefined,
      ).finally(() => (probing = false));
    }, PROBE_MS);
    probe.unref();
  };
  orm.em.getConnection().getKnex().on('query-error', observe);

  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof query>) => {
    statements++;
    const r = query(...args) as unknown;
    if (r instanceof Promise) {
      r.catch(observe);
      // A failed named statement says which one it was (its error is logged without its text).
      const name = (args[0] as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') return r.catch((e: unknown) => Promise.reject(tagQuery(e, name)));
    }
    return r;
  }) as typeof pool.query;
  const connect = pool.connect.bind(pool);
  pool.connect = ((...args: Parameters<typeof connect>) => {
    const r = connect(...args) as unknown;
    if (r instanceof Promise) r.catch(observe);
    return r;
  }) as typeof pool.connect;
  return {
    orm,
    pool,
    url,
    statements: () => statements,
    available: () => !down,
    lent: (connection) => ({
      query: ((...args: Parameters<pg.ClientBase['query']>) => {
        statements++;
        const r = (connection.query as (...a: unknown[]) => unknown)(...args);
        if (r instanceof Promise) r.catch(observe);
        return r;
      }) as pg.ClientBase['query'],
    }),
    close() {
      closed = true;
      if (probe) clearInterval(probe);
      // Once: a stop closes the pools, and so may whatever stopped first (a test, a failed start).
      return (closing ??= pool.end().then(() => orm.close(true)));
    },
  };
}
