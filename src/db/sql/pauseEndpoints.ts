import type pg from 'pg';

/**
 * Pauses endpoints (the circuit breaker, see core/dispatch/breaker.ts) until `now + ms`, for
 * every worker: their lanes are out of the claim's due range until then (probes aside), so
 * that nothing of theirs is sent and nothing of theirs is read. Their deliveries are not
 * touched. A pause only ever grows here (a later call never shortens a pause another worker
 * set).
 */
export async function pauseEndpoints(pool: pg.Pool, pauses: Array<{ endpointId: string; ms: number }>): Promise<number> {
  if (!pauses.length) return 0;
  const { rowCount } = await pool.query({
    name: 'pause_endpoints',
    text: `update endpoint_queue q
              set paused_until = greatest(coalesce(q.paused_until, now()), now() + u.ms * interval '1 millisecond')
             from unnest($1::uuid[], $2::int[]) as u(id, ms)
            where q.endpoint_id = u.id`,
    values: [pauses.map((p) => p.endpointId), pauses.map((p) => Math.round(p.ms))],
  });
  return rowCount ?? 0;
}
