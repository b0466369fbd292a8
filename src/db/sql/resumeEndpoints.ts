import type pg from 'pg';

/**
 * Ends endpoints' pauses (a probe succeeded): the endpoint takes traffic again, and every
 * delivery waiting for it (parked, or waiting for a retry) is due now.
 */
export async function resumeEndpoints(pool: pg.Pool, endpointIds: string[]): Promise<number> {
  if (!endpointIds.length) return 0;
  const { rows } = await pool.query<{ resumed: number }>({
    name: 'resume_endpoints_v1',
    text: `with e as (
       update endpoint set paused_until = null where id = any($1::uuid[]) returning id
     ), due as (
       update delivery d
          set run_at = now()
         from e
        where d.endpoint_id = e.id and d.status = 'pending' and d.leased_by is null and d.run_at > now()
       returning 1
     )
     select count(*)::int as resumed from due`,
    values: [endpointIds],
  });
  return rows[0]?.resumed ?? 0;
}
