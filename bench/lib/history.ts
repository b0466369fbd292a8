import type pg from 'pg';
import type { Fixture } from './fixture.js';

/**
 * A day of history for the fixture's endpoints, as a running gateway's database has: events
 * and the attempts of their delivered deliveries (which left the queue), generate_series,
 * then VACUUM ANALYZE. Without it every phase would start on empty tables, and the gateway's
 * prepared statements would keep the plans made for empty tables (sequential scans) until
 * autovacuum first analyzes them, up to a minute later: a state a production database is
 * only in on its first minute.
 */
export async function seedHistory(pool: pg.Pool, f: Fixture, deliveries: number): Promise<void> {
  const events = Math.ceil(deliveries / f.endpointIds.length);
  await pool.query(
    `with ev as (
       insert into event (account_id, device_id, type, payload, created_at)
       select $1, $2, 'submission', $3::json, now() - interval '1 day' + g * (interval '1 day' / $4::int)
         from generate_series(1, $4::int) g
       returning id, created_at
     )
     insert into attempt (account_id, delivery_id, event_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
                          started_at, duration_ms, http_code, outcome, response_body, attempt_number)
     select $1, nextval(pg_get_serial_sequence('delivery', 'id')), ev.id, ep, 'history', $2, 'whatsapp', 'submission', 'http://127.0.0.1/hook', false,
            ev.created_at, 3, 200, 'success', 'ok', 1
       from ev cross join unnest($5::uuid[]) ep`,
    [f.accountId, f.device.id, JSON.stringify({ event: 'submission', device: f.device.token, channel: 'whatsapp', ...f.data }), events, f.endpointIds],
  );
  await pool.query('vacuum analyze event, delivery, attempt, endpoint, endpoint_queue, endpoint_device, device');
}
