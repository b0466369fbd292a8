import type { Queryable } from '../transaction.js';
import { withAttemptPartitions } from './attemptPartitions.js';
import { ATTEMPT_CHANNEL } from './channels.js';

export interface AttemptInsert {
  accountId: string;
  deliveryId: string | null;
  /** The delivery's event (a delivered delivery can be sent again from its attempt); null for tests. */
  eventId: string | null;
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
 * Records many POST results in one statement: deletes the deliveries delivered (their attempt
 * is their history), reschedules or fails the others and makes their lanes due for the retry
 * (queue_due), only while the lease is still this worker's; appends the attempt rows; and
 * announces the new attempts to every gateway process (NOTIFY, on commit).
 *
 * The rows travel as two JSON parameters (json_to_recordset reads the objects as they are):
 * encoding 24 array parameters cost the worker more than the statement cost the database.
 */
export async function recordAttempts(
  db: Queryable,
  workerId: string | null,
  attempts: AttemptInsert[],
  outcomes: DeliveryOutcome[],
): Promise<{ attemptIds: string[]; deliveriesUpdated: number }> {
  const statement = {
    // Prepared: parsing and planning this statement costs as much as running it for a small batch.
    name: 'record_attempts',
    text: `with o as (
       select * from json_to_recordset($1::json)
         as o(id bigint, attempt int, status text, "delayMs" int, "httpCode" int, "errorCode" text)
     ), done as (
       delete from delivery d using o
        where o.status = 'succeeded' and d.id = o.id and d.leased_by = $2 and d.attempts = o.attempt
       returning d.id
     ), kept as (
       update delivery d
          set status = o.status, run_at = coalesce(now() + o."delayMs" * interval '1 millisecond', d.run_at), leased_by = null,
              last_http_code = o."httpCode", last_error_code = o."errorCode", updated_at = now()
         from o
        where o.status <> 'succeeded' and d.id = o.id and d.leased_by = $2 and d.attempts = o.attempt
       returning d.id, d.endpoint_id, d.status, d.run_at
     ), due as (
       select queue_due(array_agg(k.endpoint_id), array_agg(k.run_at)) as lanes from kept k where k.status = 'pending'
     ), ins as (
       insert into attempt (account_id, delivery_id, event_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
                            started_at, duration_ms, http_code, outcome, error_code, error_text, response_body, attempt_number)
       select "accountId", "deliveryId", "eventId", "endpointId", "webhookName", "deviceId", channel, "eventName", url, test,
              "startedAt", "durationMs", "httpCode", outcome, "errorCode", "errorText", "responseBody", "attemptNumber"
         from json_to_recordset($3::json)
           as a("accountId" uuid, "deliveryId" bigint, "eventId" uuid, "endpointId" uuid, "webhookName" text, "deviceId" uuid,
                channel text, "eventName" text, url text, test bool, "startedAt" timestamptz, "durationMs" int, "httpCode" int,
                outcome text, "errorCode" text, "errorText" text, "responseBody" text, "attemptNumber" int)
       returning id, account_id
     ), note as (
       select pg_notify('${ATTEMPT_CHANNEL}', string_agg(account_id || ':' || id, ','))
         from (select account_id, id, row_number() over () as rn from ins) x
        group by (rn - 1) / ${IDS_PER_NOTIFY}
     )
     select (select count(*) from done)::int + (select count(*) from kept)::int as updated,
            (select array_agg(id order by id) from ins) as ids,
            (select count(*) from note) as notes, (select lanes from due) as lanes`,
    values: [JSON.stringify(outcomes.map(roundDelay)), workerId, JSON.stringify(attempts)],
  };
  type Row = { updated: number; ids: string[] | null };
  const { rows } = await withAttemptPartitions(db, attempts.map((a) => a.startedAt), () => db.query<Row>(statement));
  return { attemptIds: rows[0]?.ids ?? [], deliveriesUpdated: rows[0]?.updated ?? 0 };
}

/** json_to_recordset reads an int column from a whole number only. */
const roundDelay = (o: DeliveryOutcome): DeliveryOutcome => (o.delayMs === null || Number.isInteger(o.delayMs) ? o : { ...o, delayMs: Math.round(o.delayMs) });
