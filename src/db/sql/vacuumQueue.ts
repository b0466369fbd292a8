import type pg from 'pg';

/** A vacuum may outlast the pool's statement timeout (a large queue's first one); past this it is autovacuum's job. */
const VACUUM_TIMEOUT_MS = 60_000;
/**
 * Paced as autovacuum paces itself (2 ms of rest per 200 units of work): at full speed, the
 * vacuum after a bulk run (tens of thousands of dead versions) took the cores from the
 * deliveries. Measured (three pairs, 20,000 bulk events then 1,400 deliveries/s published one at
 * a time, load 2.3–3.5): throughput 2,889 / 2,813 / 2,561 against 2,050 / 2,035 / 2,780/s, latency
 * p50 9.5 / 9.0 / 14.6 against 19.1 / 15.9 / 13.1 ms, p99 86 / 46 / 57 against 95 / 116 / 81 ms.
 * The queue's own dead versions (about 80 pages a second at 2,800 deliveries/s) stay far below
 * what this pace cleans.
 */
const COST_DELAY_MS = 2;
const COST_LIMIT = 200;

/**
 * Vacuums the delivery queue. `skip_locked`: another process's vacuum (a second worker
 * process, autovacuum) already doing it is enough (this one then only warns), and waiting for
 * it would hold a connection. `truncate false`: giving the empty pages at the table's end back
 * to the file system takes an exclusive lock that would stop every claim and publish for a
 * moment, and a queue that empties would have such pages at nearly every vacuum; the next
 * publishes reuse them anyway. On a connection of its own timeout and pace; a connection that
 * failed is closed, not pooled. `signal` cancels it on the server (a stop does not wait for it).
 */
export async function vacuumQueue(pool: pg.Pool, signal: AbortSignal): Promise<void> {
  const client = await pool.connect();
  let pid: number | null = null;
  const cancel = () => void (pid !== null && pool.query('select pg_cancel_backend($1)', [pid]).catch(() => undefined));
  signal.addEventListener('abort', cancel);
  try {
    signal.throwIfAborted();
    const { rows } = await client.query<{ pid: number }>(
      `select set_config('statement_timeout', '${VACUUM_TIMEOUT_MS}', false), set_config('vacuum_cost_delay', '${COST_DELAY_MS}', false),
              set_config('vacuum_cost_limit', '${COST_LIMIT}', false), pg_backend_pid() as pid`,
    );
    pid = rows[0]!.pid;
    signal.throwIfAborted();
    // query_timeout per query is read by pg (client.js) though @types/pg does not declare it.
    const vacuum: pg.QueryConfig & { query_timeout: number } = { text: 'vacuum (skip_locked, truncate false) delivery', query_timeout: VACUUM_TIMEOUT_MS + 1_000 };
    await client.query(vacuum);
    await client.query('reset statement_timeout; reset vacuum_cost_delay; reset vacuum_cost_limit');
    client.release();
  } catch (e) {
    client.release(e instanceof Error ? e : true);
    throw e;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/**
 * Whether this role may vacuum the queue: from PostgreSQL 17 the MAINTAIN privilege (owners,
 * superusers and pg_maintain have it); before, the table's or the database's owner, or a
 * superuser. Anyone else's vacuum only warns and skips the table.
 */
export async function mayVacuumQueue(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ version: number }>(`select current_setting('server_version_num')::int as version`);
  const text =
    rows[0]!.version >= 170000
      ? `select has_table_privilege('delivery', 'MAINTAIN')
                or pg_has_role(d.datdba, 'USAGE') as may
           from pg_database d where d.datname = current_database()`
      : `select pg_has_role(c.relowner, 'USAGE') or pg_has_role(d.datdba, 'USAGE') or r.rolsuper as may
           from pg_class c, pg_database d, pg_roles r
          where c.oid = 'delivery'::regclass and d.datname = current_database() and r.rolname = current_user`;
  const { rows: may } = await pool.query<{ may: boolean }>(text);
  return may[0]?.may ?? false;
}
