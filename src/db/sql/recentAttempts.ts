import type pg from 'pg';

/** The latest live and test outcome of an endpoint, for the troubleshooting checklist. */
export async function latestOutcomes(
  pool: pg.Pool,
  accountId: string,
  endpointId: string,
): Promise<{ live: { id: string; outcome: string; http_code: number | null; error_code: string | null; failed_recent: number } | null; test: { outcome: string } | null }> {
  const { rows } = await pool.query(
    `select
       (select row_to_json(l) from (
          select a.id::text, a.outcome, a.http_code, a.error_code,
                 (select count(*)::int from (select outcome from attempt b
                    where b.account_id = $1 and b.endpoint_id = $2 and not b.test
                    order by b.started_at desc, b.id desc limit 50) r
                   where r.outcome = 'failed') as failed_recent
            from attempt a where a.account_id = $1 and a.endpoint_id = $2 and not a.test
           order by a.started_at desc, a.id desc limit 1) l) as live,
       (select row_to_json(t) from (
          select outcome from attempt where account_id = $1 and endpoint_id = $2 and test
           order by started_at desc, id desc limit 1) t) as test`,
    [accountId, endpointId],
  );
  return { live: rows[0]?.live ?? null, test: rows[0]?.test ?? null };
}
