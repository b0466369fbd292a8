import type { EntityManager, IsolationLevel, Knex } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Database, SqlClient } from './database.js';

/**
 * What a named statement (src/db/sql) runs on: the hot path's pool, or one connection inside a
 * transaction (a pooled client, or the connection of an ORM transaction).
 */
export type Queryable = pg.Pool | SqlClient;

/** Runs `work` on one pooled connection inside BEGIN … COMMIT; rolls back and rethrows on error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** One transaction, two ways to speak in it: the ORM's unit of work and named SQL, on one connection. */
export interface Transaction {
  /** The registry's entities (flush writes them on the transaction's connection). */
  em: EntityManager;
  /** The same connection for named statements (`$n` parameters, arrays, NOTIFY on commit). */
  sql: SqlClient;
}

/**
 * Runs `work` in one ORM transaction and hands it that transaction's own connection for
 * named SQL too, so an attempt row, an endpoint's new status and the NOTIFY that announces
 * it commit or roll back together, and a page's keys and rows come from one snapshot.
 */
export async function inTransaction<T>(
  db: Database,
  work: (tx: Transaction) => Promise<T>,
  options: { isolationLevel?: IsolationLevel; readOnly?: boolean } = {},
): Promise<T> {
  return db.orm.em.fork().transactional(async (em) => {
    const trx = em.getTransactionContext<Knex.Transaction>();
    if (!trx) throw new Error('the ORM opened no transaction');
    // Knex's transaction client always hands out the connection the transaction began on:
    // node-postgres's own client, which takes the named statements as they are written.
    const connection = (await trx.client.acquireConnection()) as pg.ClientBase;
    return work({ em, sql: db.lent(connection) });
  }, options);
}
