import type pg from 'pg';

/**
 * Ends endpoints' pauses (a probe succeeded): their lanes are due again as their deliveries
 * are (waiting ones at once, retries at their time).
 */
export async function resumeEndpoints(pool: pg.Pool, endpointIds: string[]): Promise<number> {
  if (!endpointIds.length) return 0;
  const { rowCount } = await pool.query({
    name: 'resume_endpoints',
    text: `update endpoint_queue set paused_until = null where endpoint_id = any($1::uuid[]) and paused_until is not null`,
    values: [endpointIds],
  });
  return rowCount ?? 0;
}
