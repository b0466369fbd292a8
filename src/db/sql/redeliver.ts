import type pg from 'pg';
import { DELIVERY_CHANNEL } from './channels.js';

/**
 * Makes one delivery due now, whatever its status, unless a worker holds it. A delivered
 * delivery has no row any more (recordAttempts deletes it): it is made again, same id (so the
 * same webhook-id), from its newest attempt, as long as its event and endpoint are kept.
 * Returns the row's state: null when it is not the account's, or its event is gone.
 */
export async function redeliverOne(
  pool: pg.Pool,
  accountId: string,
  deliveryId: string,
): Promise<{ queued: boolean; inFlight: boolean } | null> {
  const { rows } = await pool.query<{ queued: boolean; in_flight: boolean }>(
    `with target as (
       select id, endpoint_id, (status = 'pending' and leased_by is not null and run_at > now()) as in_flight
         from delivery where id = $2 and account_id = $1
     ), upd as (
       update delivery d set status = 'pending', run_at = now(), leased_by = null, updated_at = now()
         from target t where d.id = t.id and not t.in_flight
       returning d.id, d.endpoint_id
     ), delivered as (
       select a.delivery_id as id, a.event_id, a.endpoint_id, a.attempt_number
         from attempt a join event ev on ev.id = a.event_id join endpoint ep on ep.id = a.endpoint_id
        where a.delivery_id = $2 and a.account_id = $1 and not exists (select 1 from target)
        order by a.started_at desc
        limit 1
     ), made as (
       insert into delivery (id, event_id, endpoint_id, account_id, attempts)
       overriding system value
       select d.id, d.event_id, d.endpoint_id, $1, d.attempt_number from delivered d
       on conflict (id) do nothing
       returning id, endpoint_id
     ), due as (
       select queue_due(array_agg(x.endpoint_id), array_agg(now())) as lanes from (select endpoint_id from upd union all select endpoint_id from made) x
     ), wake as (select pg_notify('${DELIVERY_CHANNEL}', '') from (select 1 from upd union all select 1 from made) x limit 1)
     select exists(select 1 from upd) or exists(select 1 from made) as queued, coalesce((select in_flight from target), false) as in_flight,
            (select count(*) from wake), (select lanes from due)
      where exists (select 1 from target) or exists (select 1 from delivered)`,
    [accountId, deliveryId],
  );
  const r = rows[0];
  return r ? { queued: r.queued, inFlight: r.in_flight } : null;
}

/** Requeues an endpoint's failed deliveries created in [since, until); null when the endpoint is not the account's. */
export async function redeliverFailed(
  pool: pg.Pool,
  p: { accountId: string; endpointId: string; since: Date; until: Date },
): Promise<number | null> {
  const { rows } = await pool.query<{ n: number; owned: boolean }>(
    `with owned as (select 1 from endpoint where id = $2 and account_id = $1), upd as (
       update delivery set status = 'pending', run_at = now(), leased_by = null, updated_at = now()
        where endpoint_id = $2 and status = 'failed' and created_at >= $3 and created_at < $4 and account_id = $1
          and exists (select 1 from owned)
       returning id
     ), due as (
       select queue_due(array[$2::uuid], array[now()]) as lanes from (select 1 from upd limit 1) x
     ), wake as (select pg_notify('${DELIVERY_CHANNEL}', '') from (select 1 from upd limit 1) x)
     select (select count(*) from upd)::int as n, exists (select 1 from owned) as owned, (select count(*) from wake), (select lanes from due)`,
    [p.accountId, p.endpointId, p.since, p.until],
  );
  return rows[0]?.owned ? rows[0].n : null;
}

/** Failed deliveries of a webhook's endpoints (what "Redeliver all failed" would requeue). */
export async function countFailedOfWebhook(pool: pg.Pool, accountId: string, webhookId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from delivery d join endpoint e on e.id = d.endpoint_id
      where d.account_id = $1 and e.account_id = $1 and e.webhook_id = $2 and d.status = 'failed'`,
    [accountId, webhookId],
  );
  return rows[0]?.n ?? 0;
}

/** Requeues every failed delivery of a webhook's endpoints; the number requeued. */
export async function redeliverFailedOfWebhook(pool: pg.Pool, accountId: string, webhookId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `with upd as (
       update delivery d set status = 'pending', run_at = now(), leased_by = null, updated_at = now()
         from endpoint e
        where e.id = d.endpoint_id and e.account_id = $1 and e.webhook_id = $2 and d.account_id = $1 and d.status = 'failed'
       returning d.id
     ), wake as (select pg_notify('${DELIVERY_CHANNEL}', '') from (select 1 from upd limit 1) x)
     select (select count(*) from upd)::int as n, (select count(*) from wake)`,
    [accountId, webhookId],
  );
  return rows[0]?.n ?? 0;
}
