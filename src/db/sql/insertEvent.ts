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
  /** The device's inbound handler `route` was decided with: the statement stores nothing if it is no longer the device's. */
  inboundHandler: string;
}

/**
 * A device of the batch is gone, or its inbound handler is no longer the one its events were
 * routed with (the caller's copy of the device was old): nothing was stored.
 */
export class DevicesChanged extends Error {
  constructor(readonly deviceIds: string[]) {
    super(`devices changed while their events were being stored: ${deviceIds.join(', ')}`);
    this.name = 'DevicesChanged';
  }
}

/**
 * Stores events and one delivery per routed endpoint, all in one statement (so in one
 * transaction), marks the endpoints' lanes due, and wakes the workers on commit when anything
 * was queued. Each event's device must still exist with the inbound handler its route was
 * decided with, or nothing is stored (DevicesChanged): the caller may route from a copy of
 * the device it keeps, and this is what keeps that copy honest. Routing beyond the device
 * (handler, channel) is decided by the caller; this matches endpoints that are active, linked
 * to the device and subscribed to one of `eventNames`. A delivery is due now; a paused
 * endpoint's lane holds it (claimDeliveries.ts).
 *
 * The lane: a claim parks a lane that ran dry (next_at in the future) only under a lock that
 * conflicts with the KEY SHARE taken here, and then reads the deliveries with a snapshot
 * taken after that lock. So a publish either holds its lane's KEY SHARE while a claim looks
 * (the claim keeps the lane due), or committed before (the claim sees its deliveries), or
 * comes after the park (its KEY SHARE waits for the claim and returns the parked lane, which
 * it marks due). A lane already due is only read: publishing to a busy endpoint writes
 * nothing but its rows. Lanes are locked in endpoint order, so concurrent writers of several
 * lanes cannot deadlock.
 *
 * Event ids are made here rather than by the database so that each input row can be
 * matched with its deliveries without relying on the order of RETURNING. Prepared (named):
 * parsing and planning this statement costs as much as running it for a few events.
 */
export async function insertEvents(db: pg.Pool | pg.PoolClient, events: EventInsert[]): Promise<Array<{ eventId: string; deliveries: number }>> {
  if (!events.length) return [];
  const ids = events.map(() => randomUUID());
  const { rows } = await db.query<{ event_id: string; deliveries: number; changed: string[] }>({
    name: 'insert_events',
    text: `with i as (
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::text[])
         with ordinality as i(id, account_id, device_id, type, payload, names, route, handler, n)
     ), changed as (
       select coalesce(array_agg(distinct i.device_id), '{}') as ids from i
        where not exists (select 1 from device dv where dv.id = i.device_id and dv.inbound_handler = i.handler)
     ), ok as (
       select i.* from i, changed where cardinality(changed.ids) = 0
     ), ev as (
       insert into event (id, account_id, device_id, type, payload)
       select id, account_id, device_id, type, payload::json from ok order by n
       returning id
     ), dl as (
       insert into delivery (event_id, endpoint_id, account_id)
       select ok.id, ep.id, ok.account_id
         from ok
         join endpoint_device ed on ed.device_id = ok.device_id
         join endpoint ep on ep.id = ed.endpoint_id
        where ok.route and ep.account_id = ok.account_id and ep.status = 'active' and ep.events && string_to_array(ok.names, ',')
        order by ok.n
       returning event_id, endpoint_id
     ), lane as (
       select q.endpoint_id, q.next_at from endpoint_queue q
        where q.endpoint_id in (select endpoint_id from dl)
        order by q.endpoint_id
          for key share
     ), idle as (
       select q.endpoint_id from endpoint_queue q join lane l on l.endpoint_id = q.endpoint_id
        where l.next_at > now()
        order by q.endpoint_id
          for no key update of q
     ), woken as (
       update endpoint_queue q set next_at = now() where q.endpoint_id in (select endpoint_id from idle)
       returning 1
     ), counted as (
       select event_id, count(*)::int as n from dl group by event_id
     ), wake as (
       select pg_notify('${DELIVERY_CHANNEL}', '') where exists (select 1 from dl)
     )
     select i.id as event_id, coalesce(c.n, 0) as deliveries, (select count(*) from wake) as woke,
            (select count(*) from ev) as stored, (select count(*) from woken) as lanes, (select ids from changed) as changed
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
      events.map((e) => e.inboundHandler),
    ],
  });
  const changed = rows[0]?.changed ?? [];
  if (changed.length) throw new DevicesChanged(changed);
  return rows.map((r) => ({ eventId: r.event_id, deliveries: r.deliveries }));
}
