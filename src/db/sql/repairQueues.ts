import type pg from 'pg';
import { DELIVERY_CHANNEL } from './channels.js';

/**
 * The safety net under the lanes' protocol (claimDeliveries.ts, insertEvent.ts): a lane whose
 * next look is later than one of its pending deliveries is made due no later than that
 * delivery, and the workers are woken. It should never find one; it is there so that a fault
 * in that protocol (or a change made to the tables by hand) delays a delivery instead of
 * losing it. One index probe per lane that is waiting. Returns the endpoints repaired.
 */
export async function repairQueues(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ endpoint_id: string }>({
    name: 'repair_queues',
    text: `with late as (
       select q.endpoint_id, x.at
         from endpoint_queue q
        cross join lateral (select min(d.run_at) as at from delivery d where d.endpoint_id = q.endpoint_id and d.status = 'pending') x
        where q.next_at > now() and x.at < q.next_at
     ), fixed as (
       select queue_due(array_agg(endpoint_id), array_agg(at)) as n from late
     ), wake as (
       select pg_notify('${DELIVERY_CHANNEL}', '') from late limit 1
     )
     select endpoint_id, (select n from fixed) as fixed, (select count(*) from wake) as woke from late`,
  });
  return rows.map((r) => r.endpoint_id);
}
