import type pg from 'pg';
import { ATTEMPT_CHANNEL } from './channels.js';

export interface AttemptInsert {
  accountId: string;
  deliveryId: string | null;
  endpointId: string | null;
  webhookName: string;
  deviceId: string | null;
  channel: string;
  eventName: string;
  url: string;
  test: boolean;
  startedAt: Date;
  durationMs: number;
  httpCode: number | null;
  outcome: 'success' | 'failed';
  errorCode: string | null;
  errorText: string | null;
  responseBody: string | null;
  attemptNumber: number;
}

export interface DeliveryOutcome {
  id: string;
  /** The attempt number the worker claimed; a stale worker's write is ignored. */
  attempt: number;
  status: 'pending' | 'succeeded' | 'failed';
  /**
   * Status pending: ms from now until the next try, counted on the database's clock (the one
   * every claim compares run_at with); null keeps run_at as it is.
   */
  delayMs: number | null;
  httpCode: number | null;
  errorCode: string | null;
}

/** Bytes of one NOTIFY payload stay under PostgreSQL's 8000 with 100 `account:id` pairs. */
const IDS_PER_NOTIFY = 100;

/**
 * Records many POST results in one statement: finishes or reschedules their deliveries
 * (only while the lease is still this worker's), appends the attempt rows, and announces
 * the new attempts to every gateway process (NOTIFY, on commit).
 */
export async function recordAttempts(
  pool: pg.Pool,
  workerId: string | null,
  attempts: AttemptInsert[],
  outcomes: DeliveryOutcome[],
): Promise<{ attemptIds: string[]; deliveriesUpdated: number }> {
  const col = <K extends keyof AttemptInsert>(k: K) => attempts.map((a) => a[k]);
  const { rows } = await pool.query<{ updated: number; ids: string[] | null }>({
    // Prepared: parsing and planning this statement costs as much as running it for a small batch.
    name: 'record_attempts',
    text: `with upd as (
       update delivery d
          set status = u.status, run_at = coalesce(now() + u.delay_ms * interval '1 millisecond', d.run_at), leased_by = null,
              last_http_code = u.http_code, last_error_code = u.error_code, updated_at = now()
         from unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::int[], $6::text[])
              as u(id, attempt, status, delay_ms, http_code, error_code)
        where d.id = u.id and d.leased_by = $7 and d.attempts = u.attempt
       returning d.id
     ), ins as (
       insert into attempt (account_id, delivery_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
                            started_at, duration_ms, http_code, outcome, error_code, error_text, response_body, attempt_number)
       select * from unnest($8::uuid[], $9::bigint[], $10::uuid[], $11::text[], $12::uuid[], $13::text[], $14::text[], $15::text[],
                            $16::bool[], $17::timestamptz[], $18::int[], $19::int[], $20::text[], $21::text[], $22::text[], $23::text[], $24::int[])
       returning id, account_id
     ), note as (
       select pg_notify('${ATTEMPT_CHANNEL}', string_agg(account_id || ':' || id, ','))
         from (select account_id, id, row_number() over () as rn from ins) x
        group by (rn - 1) / ${IDS_PER_NOTIFY}
     )
     select (select count(*) from upd)::int as updated,
            (select array_agg(id order by id) from ins) as ids,
            (select count(*) from note) as notes`,
    values: [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.attempt),
      outcomes.map((o) => o.status),
      outcomes.map((o) => (o.delayMs === null ? null : Math.round(o.delayMs))),
      outcomes.map((o) => o.httpCode),
      outcomes.map((o) => o.errorCode),
      workerId,
      col('accountId'),
      col('deliveryId'),
      col('endpointId'),
      col('webhookName'),
      col('deviceId'),
      col('channel'),
      col('eventName'),
      col('url'),
      col('test'),
      col('startedAt'),
      col('durationMs'),
      col('httpCode'),
      col('outcome'),
      col('errorCode'),
      col('errorText'),
      col('responseBody'),
      col('attemptNumber'),
    ],
  });
  return { attemptIds: rows[0]?.ids ?? [], deliveriesUpdated: rows[0]?.updated ?? 0 };
}
