import type pg from 'pg';

/**
 * Pauses endpoints (the circuit breaker, see core/dispatch/breaker.ts) until `now + ms`,
 * for every worker: each endpoint's waiting deliveries that would be due before then are
 * parked at the end of the pause, and insertEvents queues new ones for then, so that none
 * is sent and none sits at the front of the queue in the way of the others. A pause only
 * ever grows here (a later call never shortens a pause another worker set).
 */
export async function pauseEndpoints(pool: pg.Pool, pauses: Array<{ endpointId: string; ms: number }>): Promise<number> {
  if (!pauses.length) return 0;
  const { rows } = await pool.query<{ parked: number }>({
    name: 'pause_endpoints_v3',
    text: `with p as (
       update endpoint ep
          set paused_until = greatest(coalesce(ep.paused_until, now()), now() + u.ms * interval '1 millisecond')
         from unnest($1::uuid[], $2::int[]) as u(id, ms)
        where ep.id = u.id
       returning ep.id, ep.paused_until
     ), parked as (
       update delivery d
          set run_at = p.paused_until, leased_by = null
         from p
        where d.endpoint_id = p.id and d.status = 'pending' and d.run_at < p.paused_until
          -- never a delivery in flight (its lease is in run_at): moving it could let a second worker send it
          and (d.leased_by is null or d.run_at <= now())
       returning 1
     )
     select count(*)::int as parked from parked`,
    values: [pauses.map((p) => p.endpointId), pauses.map((p) => Math.round(p.ms))],
  });
  return rows[0]?.parked ?? 0;
}
