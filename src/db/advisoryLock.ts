import type pg from 'pg';

/** Keys of the advisory locks gateway processes share (any fixed numbers, the same everywhere). */
export const LOCKS = {
  /** Held while migrations run. */
  migrations: 74_226_001,
  /** Held while the first start seeds the demo account. */
  demoSeed: 74_226_002,
} as const;

/**
 * Runs `work` while holding a session-level advisory lock on `client`'s connection, so that
 * processes starting together do it one at a time (each of the others then finds it done).
 */
export async function withAdvisoryLock<T>(client: pg.ClientBase, key: number, work: () => Promise<T>): Promise<T> {
  await client.query('select pg_advisory_lock($1)', [key]);
  try {
    return await work();
  } finally {
    // Ending the session releases the lock too; unlocking first lets the next process in at once.
    await client.query('select pg_advisory_unlock($1)', [key]).catch(() => undefined);
  }
}
