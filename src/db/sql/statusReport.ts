import type pg from 'pg';

export interface FailingEndpointRow {
  endpoint_id: string;
  webhook_id: string;
  name: string;
  url: string;
  channel: string;
  last_failure_at: Date;
  http_code: number | null;
  error_code: string | null;
  failures: number;
  failing_since: Date;
  muted_until: Date | null;
}

/**
 * Endpoints whose newest live attempt since `since` failed, newest first, with the failures
 * of the current episode (live failures after the last success) and when it began, and
 * whether their alerts are muted.
 */
export async function failingEndpoints(pool: pg.Pool, accountId: string, since: Date, limit: number): Promise<FailingEndpointRow[]> {
  const { rows } = await pool.query<FailingEndpointRow>(
    `with recent as (
       select distinct on (a.endpoint_id) a.endpoint_id, a.outcome, a.started_at, a.http_code, a.error_code
         from attempt a
        where a.account_id = $1 and not a.test and a.started_at >= $2 and a.endpoint_id is not null
        order by a.endpoint_id, a.started_at desc, a.id desc
     )
     select e.id as endpoint_id, e.webhook_id, e.name, e.url, e.channel, r.started_at as last_failure_at, r.http_code, r.error_code,
            ep.failures, ep.failing_since, s.muted_until
       from recent r
       join endpoint e on e.id = r.endpoint_id and e.account_id = $1
       left join alert_state s on s.endpoint_id = e.id
       cross join lateral (
         select count(*)::int as failures, min(f.started_at) as failing_since from attempt f
          where f.account_id = $1 and f.endpoint_id = e.id and not f.test and f.outcome = 'failed' and f.started_at >= $2
            and f.started_at > coalesce((select max(ok.started_at) from attempt ok
                                          where ok.account_id = $1 and ok.endpoint_id = e.id and not ok.test
                                            and ok.outcome = 'success' and ok.started_at >= $2), '-infinity')
       ) ep
      where r.outcome = 'failed'
      order by r.started_at desc
      limit $3`,
    [accountId, since, limit],
  );
  return rows;
}

/** Live attempts since `since`, by outcome. */
export async function attemptTotals(pool: pg.Pool, accountId: string, since: Date): Promise<{ succeeded: number; failed: number }> {
  const { rows } = await pool.query<{ succeeded: number; failed: number }>(
    `select count(*) filter (where outcome = 'success')::int as succeeded, count(*) filter (where outcome = 'failed')::int as failed
       from attempt where account_id = $1 and not test and started_at >= $2`,
    [accountId, since],
  );
  return rows[0] ?? { succeeded: 0, failed: 0 };
}
