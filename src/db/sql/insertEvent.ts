import type pg from 'pg';
import { DELIVERY_CHANNEL } from './channels.js';

/**
 * Stores an event and one delivery per routed endpoint in one statement (so in one
 * transaction), and wakes the workers on commit when anything was queued. Routing beyond
 * the device (handler, channel) is decided by the caller; this matches endpoints that are
 * active, linked to the device and subscribed to one of `eventNames`.
 */
export async function insertEvent(
  db: pg.Pool | pg.PoolClient,
  e: { accountId: string; deviceId: string; type: string; payloadJson: string; eventNames: string[]; route: boolean },
): Promise<{ eventId: string; deliveries: number }> {
  const { rows } = await db.query<{ event_id: string; deliveries: number }>(
    `with ev as (
       insert into event (account_id, device_id, type, payload) values ($1, $2, $3, $4::json) returning id
     ), dl as (
       insert into delivery (event_id, endpoint_id, account_id)
       select ev.id, ep.id, $1
         from ev
         cross join endpoint ep
         join endpoint_device ed on ed.endpoint_id = ep.id and ed.device_id = $2
        where $6 and ep.account_id = $1 and ep.status = 'active' and ep.events && $5::text[]
       returning id
     ), wake as (
       select pg_notify('${DELIVERY_CHANNEL}', '') from (select 1 from dl limit 1) x
     )
     select (select id from ev) as event_id, (select count(*) from dl)::int as deliveries, (select count(*) from wake) as woke`,
    [e.accountId, e.deviceId, e.type, e.payloadJson, e.eventNames, e.route],
  );
  const row = rows[0]!;
  return { eventId: row.event_id, deliveries: row.deliveries };
}
