import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DELIVERY_CHANNEL } from './channels.js';

export interface EventInsert {
  accountId: string;
  deviceId: string;
  type: string;
  payloadJson: string;
  /** Names an endpoint may have subscribed under (the type, and its legacy alias). */
  eventNames: string[];
  /** False: store the event but queue nothing (the device does not route this event). */
  route: boolean;
}

/** Most endpoint ids a wake-up names (36 characters each, under NOTIFY's 8000 bytes). */
const HINT_MAX = 150;

/**
 * Stores events and one delivery per routed endpoint, all in one statement (so in one
 * transaction), and wakes the workers on commit when anything was queued. The wake-up
 * names the endpoints that got deliveries (up to HINT_MAX; none when there are more), so a
 * worker looks at them even when older deliveries it cannot take fill the front of the
 * queue. Routing beyond
 * the device (handler, channel) is decided by the caller; this matches endpoints that are
 * active, linked to the device and subscribed to one of `eventNames`. A delivery for an
 * endpoint that is paused (circuit breaker, see pauseEndpoints.ts) is due when the pause
 * ends, so that it never sits at the front of the queue in the way of others.
 *
 * Event ids are made here rather than by the database so that each input row can be
 * matched with its deliveries without relying on the order of RETURNING. Prepared (named):
 * parsing and planning this statement costs as much as running it for a few events.
 */
export async function insertEvents(db: pg.Pool | pg.PoolClient, events: EventInsert[]): Promise<Array<{ eventId: string; deliveries: number }>> {
  if (!events.length) return [];
  const ids = events.map(() => randomUUID());
  const { rows } = await db.query<{ event_id: string; deliveries: number }>({
    name: 'insert_events_v3',
    text: `with i as (
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bool[])
         with ordinality as i(id, account_id, device_id, type, payload, names, route, n)
     ), ev as (
       insert into event (id, account_id, device_id, type, payload)
       select id, account_id, device_id, type, payload::json from i order by n
       returning id
     ), dl as (
       insert into delivery (event_id, endpoint_id, account_id, run_at)
       select i.id, ep.id, i.account_id, greatest(now(), ep.paused_until)
         from i
         join endpoint_device ed on ed.device_id = i.device_id
         join endpoint ep on ep.id = ed.endpoint_id
        where i.route and ep.account_id = i.account_id and ep.status = 'active' and ep.events && string_to_array(i.names, ',')
        order by i.n
       returning event_id, endpoint_id
     ), counted as (
       select event_id, count(*)::int as n from dl group by event_id
     ), hint as (
       select count(distinct endpoint_id) as n, string_agg(distinct endpoint_id::text, ',') as ids from dl
     ), wake as (
       select pg_notify('${DELIVERY_CHANNEL}', case when hint.n <= ${HINT_MAX} then hint.ids else '' end) from hint where hint.n > 0
     )
     select i.id as event_id, coalesce(c.n, 0) as deliveries, (select count(*) from wake) as woke, (select count(*) from ev) as stored
       from i left join counted c on c.event_id = i.id
      order by i.n`,
    values: [
      ids,
      events.map((e) => e.accountId),
      events.map((e) => e.deviceId),
      events.map((e) => e.type),
      events.map((e) => e.payloadJson),
      events.map((e) => e.eventNames.join(',')),
      events.map((e) => e.route),
    ],
  });
  return rows.map((r) => ({ eventId: r.event_id, deliveries: r.deliveries }));
}

/** One event: the same statement with one row. */
export async function insertEvent(db: pg.Pool | pg.PoolClient, e: EventInsert): Promise<{ eventId: string; deliveries: number }> {
  const [row] = await insertEvents(db, [e]);
  return row!;
}
