import pg from 'pg';
import type { Queryable } from '../transaction.js';

/** One partition of the attempt log: the attempts started in [from, to) (from null: since ever). */
export interface AttemptPartition {
  name: string;
  from: Date | null;
  to: Date;
}

/**
 * The attempt log's partitions (one per UTC day; before the log was partitioned, one for
 * everything until then), oldest first. A partition left half-detached by an interrupted
 * retention run is listed too, so that the next run finishes it.
 */
export async function attemptPartitions(pool: pg.Pool): Promise<Array<AttemptPartition & { detaching: boolean }>> {
  const { rows } = await pool.query<{ name: string; from: Date | null; to: Date; detaching: boolean }>(
    `select c.relname as name,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz as "from",
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz as "to",
            i.inhdetachpending as detaching
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'attempt'::regclass
      order by 3`,
  );
  return rows;
}

/** Makes the daily partitions covering [from, to) that do not exist yet; returns how many it made. */
export async function ensureAttemptPartitions(pool: pg.Pool, from: Date, to: Date): Promise<number> {
  const { rows } = await pool.query<{ made: number }>(`select ensure_attempt_partitions($1, $2) as made`, [from, to]);
  return rows[0]?.made ?? 0;
}

/**
 * Drops every partition that ends at or before `before`: a day of attempts goes in one
 * catalog operation, whatever its size, instead of a delete per row (nor is it counted:
 * counting a day would cost more than dropping it). DETACH … CONCURRENTLY takes no lock that
 * stops the log's writers or readers (it waits for the queries still using the partition);
 * the table detached is then dropped. Returns the partitions dropped.
 */
export async function dropAttemptPartitions(pool: pg.Pool, before: Date): Promise<string[]> {
  const old = (await attemptPartitions(pool)).filter((p) => p.to.getTime() <= before.getTime());
  for (const p of old) {
    const name = pg.escapeIdentifier(p.name);
    await pool.query(p.detaching ? `alter table attempt detach partition ${name} finalize` : `alter table attempt detach partition ${name} concurrently`);
    await pool.query(`drop table ${name}`);
  }
  return old.map((p) => p.name);
}

/**
 * Runs `write` (attempts started at `times`). Partitions are made days ahead (retention.ts); a
 * clock far off, or a database restored from long ago, may still name a day that has none:
 * then they are made and `write` runs once more. Inside a transaction the failed write has
 * aborted it, so there the refusal goes to whoever retries the whole transaction.
 */
export async function withAttemptPartitions<T>(db: Queryable, times: Date[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!isMissingPartition(e) || !times.length || !(db instanceof pg.Pool)) throw e;
    const ms = times.map((t) => t.getTime());
    await ensureAttemptPartitions(db, new Date(Math.min(...ms)), new Date(Math.max(...ms) + 1));
    return write();
  }
}

/** PostgreSQL refused an attempt row because no partition covers its started_at. */
export function isMissingPartition(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23514' && /no partition of relation/.test(String((e as { message?: unknown }).message));
}
