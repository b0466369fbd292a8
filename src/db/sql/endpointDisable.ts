import type { Queryable } from '../transaction.js';

/** An endpoint that changed to or from Disabled, as the statements below return it. */
export interface ChangedEndpoint {
  id: string;
  account_id: string;
  webhook_id: string;
  name: string;
  url: string;
  status: 'pending_test' | 'active' | 'disabled';
  disabled_reason: 'gone' | 'failing' | 'manual' | null;
  /** A Date on the pool, text on a connection the ORM lent. */
  disabled_at: Date | string | null;
}

const RETURNING = `returning e.id, e.account_id, e.webhook_id, e.name, e.url, e.status, e.disabled_reason, e.disabled_at`;

/**
 * Disables endpoints not disabled yet, with why and since now. Its lane becomes inactive
 * (queue trigger on status), so its waiting deliveries stay as they are.
 */
export async function disableEndpointRows(db: Queryable, ids: string[], reason: 'gone' | 'manual'): Promise<ChangedEndpoint[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<ChangedEndpoint>(
    `update endpoint e set status = 'disabled', disabled_reason = $2, disabled_at = now(), disabled_alerted = false, updated_at = now()
      where e.id = any($1::uuid[]) and e.status <> 'disabled'
     ${RETURNING}`,
    [ids, reason],
  );
  return rows;
}

/**
 * Disables, with reason `failing`, the Active endpoints among `ids` whose every live attempt
 * failed for at least `afterMs` (the alert policy's episode: failing_since, reset by any
 * success) with at least `minFailures` failed attempts in that time.
 */
export async function disableFailingEndpointRows(db: Queryable, ids: string[], afterMs: number, minFailures: number): Promise<ChangedEndpoint[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<ChangedEndpoint>(
    `update endpoint e set status = 'disabled', disabled_reason = 'failing', disabled_at = now(), disabled_alerted = false, updated_at = now()
       from alert_state s
      where s.endpoint_id = e.id and e.id = any($1::uuid[]) and e.status = 'active'
        and s.failing_since <= now() - $2 * interval '1 millisecond' and s.total_failures >= $3
     ${RETURNING}`,
    [ids, afterMs, minFailures],
  );
  return rows;
}

/** Enables disabled endpoints of an account: to Pending test in a new batch, or straight to Active. */
export async function enableEndpointRows(db: Queryable, p: { accountId: string; ids: string[]; activate: boolean; batchId: string }): Promise<ChangedEndpoint[]> {
  if (!p.ids.length) return [];
  const { rows } = await db.query<ChangedEndpoint>(
    `update endpoint e
        set status = case when $3 then 'active' else 'pending_test' end, batch_id = $4,
            activated_at = case when $3 then now() else null end,
            disabled_reason = null, disabled_at = null, disabled_alerted = false, updated_at = now()
      where e.account_id = $1 and e.id = any($2::uuid[]) and e.status = 'disabled'
     ${RETURNING}`,
    [p.accountId, p.ids, p.activate, p.batchId],
  );
  return rows;
}

/**
 * What an enabled endpoint kept: its waiting deliveries are due now (not at the retry time
 * they had when it was disabled) and a breaker pause of its lane ends, so once Active it
 * receives them at once.
 */
export async function makeKeptDeliveriesDue(db: Queryable, endpointIds: string[]): Promise<void> {
  if (!endpointIds.length) return;
  await db.query(`update endpoint_queue set paused_until = null where endpoint_id = any($1::uuid[]) and paused_until is not null`, [endpointIds]);
  await db.query(
    `with d as (
       update delivery set run_at = now(), updated_at = now()
        where endpoint_id = any($1::uuid[]) and status = 'pending' and leased_by is null and run_at > now()
       returning endpoint_id
     ), lanes as (select distinct endpoint_id from d)
     select queue_due(array_agg(endpoint_id), array_agg(now())) from lanes`,
    [endpointIds],
  );
}

/**
 * Claims the Disabled alert of endpoints (all disabled ones not alerted yet, when `ids` is
 * null): exactly one process gets each row, however many heard the announcement.
 */
export async function claimDisabledAlerts(db: Queryable, ids: string[] | null): Promise<ChangedEndpoint[]> {
  const { rows } = await db.query<ChangedEndpoint>(
    `update endpoint e set disabled_alerted = true
      where e.status = 'disabled' and not e.disabled_alerted and ($1::uuid[] is null or e.id = any($1::uuid[]))
     ${RETURNING}`,
    [ids],
  );
  return rows;
}
