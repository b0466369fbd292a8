import type pg from 'pg';

/**
 * Deletes, a chunk at a time (no lock held long), the deliveries created before `before`
 * that are over (failed, or delivered before deliveries were deleted on success), then the
 * events of that age that no delivery needs any more: a delivery still pending keeps its
 * event, however old. Returns the rows deleted.
 */
export async function pruneDeliveriesAndEvents(pool: pg.Pool, before: Date, chunk = 10_000): Promise<{ deliveries: number; events: number }> {
  const loop = async (sql: string) => {
    let total = 0;
    for (;;) {
      const { rowCount } = await pool.query(sql, [before, chunk]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < chunk) return total;
    }
  };
  const deliveries = await loop(
    `delete from delivery where id in (select id from delivery where status <> 'pending' and created_at < $1 limit $2)`,
  );
  const events = await loop(
    `delete from event where id in (
       select e.id from event e where e.created_at < $1 and not exists (select 1 from delivery d where d.event_id = e.id) limit $2)`,
  );
  return { deliveries, events };
}
