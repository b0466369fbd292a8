import type { Queryable } from '../../src/db/transaction.js';

/**
 * The write-ahead log's position: every change the server writes goes through it, so the
 * bytes between two readings are what a run cost in writes (row versions, index entries,
 * full-page images after a checkpoint), independent of how busy the machine is. Cluster-wide:
 * the bench runs one phase at a time on its own PostgreSQL, autovacuum included.
 */
export async function walPosition(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ lsn: string }>(`select pg_current_wal_lsn()::text as lsn`);
  return rows[0]!.lsn;
}

/** WAL bytes written since `from` (a walPosition). */
export async function walBytesSince(db: Queryable, from: string): Promise<number> {
  const { rows } = await db.query<{ bytes: number }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 as bytes`, [from]);
  return rows[0]!.bytes;
}
