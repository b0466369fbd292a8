import type pg from 'pg';

/** A vacuum may outlast the pool's statement timeout (a large queue's first one); past this it is autovacuum's job. */
const VACUUM_TIMEOUT_MS = 60_000;

/**
 * Vacuums the delivery queue. `skip_locked`: another process's vacuum (a second worker
 * process, autovacuum) already doing it is enough, and waiting for it would hold a connection.
 * `truncate false`: giving the empty pages at the table's end back to the file system takes an
 * exclusive lock that would stop every claim and publish for a moment, and a queue that empties
 * would have such pages at nearly every vacuum; the next publishes reuse them anyway.
 * On a connection of its own timeout; a connection that failed is closed, not pooled.
 */
export async function vacuumQueue(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`set statement_timeout = ${VACUUM_TIMEOUT_MS}`);
    // query_timeout per query is read by pg (client.js) though @types/pg does not declare it.
    const vacuum: pg.QueryConfig & { query_timeout: number } = { text: 'vacuum (skip_locked, truncate false) delivery', query_timeout: VACUUM_TIMEOUT_MS + 1_000 };
    await client.query(vacuum);
    await client.query('reset statement_timeout');
    client.release();
  } catch (e) {
    client.release(e instanceof Error ? e : true);
    throw e;
  }
}

/** Whether this role may vacuum the queue (its owner, or a superuser): anyone else's vacuum only warns and skips. */
export async function mayVacuumQueue(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ may: boolean }>(
    `select pg_has_role(current_user, c.relowner, 'USAGE') or r.rolsuper as may
       from pg_class c, pg_roles r
      where c.oid = 'delivery'::regclass and r.rolname = current_user`,
  );
  return rows[0]?.may ?? false;
}
