import type pg from 'pg';
import { DELIVERY_CHANNEL } from './channels.js';

/**
 * A stopping worker hands back every lease it still holds, so that another worker sends those
 * deliveries at once instead of after the lease. The attempt that was claimed for them never
 * made it into the log, so its number is given back too. Their endpoints' lanes are due now
 * (and those of `alsoDue`: deliveries this worker just recorded as due now, e.g. POSTs it cut
 * off), and every worker is woken.
 */
export async function releaseLeases(pool: pg.Pool, workerId: string, alsoDue: string[] = []): Promise<number> {
  const { rows } = await pool.query<{ released: number }>({
    name: 'release_leases',
    text: `with r as (
       update delivery
          set run_at = now(), leased_by = null, attempts = greatest(attempts - 1, 0), updated_at = now()
        where leased_by = $1 and status = 'pending' and run_at > now()
       returning endpoint_id
     ), eps as (
       select endpoint_id from r
       union
       select unnest($2::uuid[])
     ), due as (
       select queue_due(array_agg(endpoint_id), array_agg(now())) as lanes from eps
     ), wake as (
       select pg_notify('${DELIVERY_CHANNEL}', '') where exists (select 1 from eps)
     )
     select (select count(*) from r)::int as released, (select count(*) from wake) as woke, (select lanes from due) as lanes`,
    values: [workerId, alsoDue],
  });
  return rows[0]?.released ?? 0;
}
