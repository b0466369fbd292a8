import type pg from 'pg';

/** One alert_state row as the alert service reads and writes it. */
export interface AlertStateRow {
  endpoint_id: string;
  account_id: string;
  /** The endpoint's webhook (read with the row, not stored in it). */
  webhook_id: string;
  /** Whether the endpoint is Disabled now (read with the row, not stored in it). */
  endpoint_disabled: boolean;
  failing: boolean;
  failing_since: Date | null;
  last_alert_at: Date | null;
  pending_failures: number;
  total_failures: number;
  last_attempt_at: Date | null;
  /** JSON written by the alert service (core/alerts/types.ts FailureInfo, dates as ISO text). */
  last_failure: Record<string, unknown> | null;
  muted_until: Date | null;
}

const COLUMNS = `s.endpoint_id, s.account_id, e.webhook_id, e.status = 'disabled' as endpoint_disabled, s.failing, s.failing_since, s.last_alert_at, s.pending_failures,
  s.total_failures, s.last_attempt_at, s.last_failure, s.muted_until`;

/** Which of these endpoints have alert state at all: the healthy path's only statement. */
export async function endpointsWithAlertState(pool: pg.Pool, endpointIds: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ endpoint_id: string }>(`select endpoint_id from alert_state where endpoint_id = any($1::uuid[])`, [endpointIds]);
  return rows.map((r) => r.endpoint_id);
}

/**
 * Inside a transaction: creates missing rows for `create` (endpoints that still exist), then
 * locks and returns the rows of `endpointIds`, in id order so that two processes locking
 * overlapping sets cannot deadlock. The lock is what makes one process the only one to
 * decide (and send) an alert for an endpoint.
 */
export async function lockAlertStates(client: pg.PoolClient, create: string[], endpointIds: string[]): Promise<AlertStateRow[]> {
  if (create.length) {
    await client.query(
      `insert into alert_state (endpoint_id, account_id)
       select id, account_id from endpoint where id = any($1::uuid[])
       on conflict (endpoint_id) do nothing`,
      [create],
    );
  }
  const { rows } = await client.query<AlertStateRow>(
    `select ${COLUMNS} from alert_state s join endpoint e on e.id = s.endpoint_id
      where s.endpoint_id = any($1::uuid[]) order by s.endpoint_id for update of s`,
    [endpointIds],
  );
  return rows;
}

/** Inside a transaction: locks up to `limit` rows whose grouped summary is due; rows another process holds are skipped. */
export async function lockDueAlertStates(client: pg.PoolClient, dueBefore: Date, limit: number): Promise<AlertStateRow[]> {
  const { rows } = await client.query<AlertStateRow>(
    `select ${COLUMNS} from alert_state s join endpoint e on e.id = s.endpoint_id
      where s.failing and s.pending_failures > 0 and s.last_alert_at <= $1
      order by s.last_alert_at limit $2
        for update of s skip locked`,
    [dueBefore, limit],
  );
  return rows;
}

/** Writes back evaluated rows in one statement (mutes are left alone: only muteEndpoint writes them). */
export async function saveAlertStates(client: pg.PoolClient, rows: AlertStateRow[]): Promise<void> {
  if (!rows.length) return;
  const col = <K extends keyof AlertStateRow>(k: K) => rows.map((r) => r[k]);
  await client.query(
    `update alert_state s
        set failing = u.failing, failing_since = u.failing_since, last_alert_at = u.last_alert_at,
            pending_failures = u.pending_failures, total_failures = u.total_failures,
            last_attempt_at = u.last_attempt_at, last_failure = u.last_failure::jsonb, updated_at = now()
       from unnest($1::uuid[], $2::bool[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[], $7::timestamptz[], $8::text[])
            as u(endpoint_id, failing, failing_since, last_alert_at, pending_failures, total_failures, last_attempt_at, last_failure)
      where s.endpoint_id = u.endpoint_id`,
    [
      col('endpoint_id'),
      col('failing'),
      col('failing_since'),
      col('last_alert_at'),
      col('pending_failures'),
      col('total_failures'),
      col('last_attempt_at'),
      rows.map((r) => (r.last_failure === null ? null : JSON.stringify(r.last_failure))),
    ],
  );
}

/** Sets (or clears, with null) an endpoint's mute; null when the endpoint is not the account's. */
export async function muteEndpoint(pool: pg.Pool, accountId: string, endpointId: string, until: Date | null): Promise<{ muted_until: Date | null } | null> {
  const { rows } = await pool.query<{ muted_until: Date | null }>(
    `insert into alert_state (endpoint_id, account_id, muted_until)
     select id, account_id, $3 from endpoint where id = $2 and account_id = $1
     on conflict (endpoint_id) do update set muted_until = excluded.muted_until, updated_at = now()
     returning muted_until`,
    [accountId, endpointId, until],
  );
  return rows[0] ?? null;
}

/** Mutes in force on these endpoints of the account. */
export async function activeMutes(pool: pg.Pool, accountId: string, endpointIds: string[], now: Date): Promise<Array<{ endpoint_id: string; muted_until: Date }>> {
  const { rows } = await pool.query<{ endpoint_id: string; muted_until: Date }>(
    `select endpoint_id, muted_until from alert_state where account_id = $1 and endpoint_id = any($2::uuid[]) and muted_until > $3`,
    [accountId, endpointIds, now],
  );
  return rows;
}
