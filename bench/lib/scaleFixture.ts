import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { samplePayload } from '../../src/core/events/index.js';
import type { Fixture } from './fixture.js';

/** A fixed Standard Webhooks key for every generated endpoint (signing costs the same whatever the key). */
const SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export interface ScaleFixture {
  accountId: string;
  /** Device i routes to endpoints i × fanOut … (i + 1) × fanOut − 1: `fanOut` deliveries per event. */
  deviceTokens: string[];
  fanOut: number;
  endpointIds: string[];
  /** What the platform publishes for a submission (the same for every device). */
  data: Record<string, unknown>;
  /** The same rows as a Fixture, for the helpers that take one (history). */
  asFixture: Fixture;
}

/**
 * An account with one active endpoint per URL, subscribed to `submission`, and one WhatsApp
 * device per `fanOut` endpoints, linked to them; written in a few SQL statements (a Send
 * test per endpoint would take minutes at 10,000 endpoints). The rows are what Save → test
 * leaves behind: the registry's own code path is measured by the other phases.
 */
export async function seedScaleFixture(pool: pg.Pool, urls: string[], name: string, fanOut = 1): Promise<ScaleFixture> {
  const { rows } = await pool.query<{ id: string }>(`insert into account (name) values ($1) returning id`, [name]);
  const accountId = rows[0]!.id;
  const n = Math.ceil(urls.length / fanOut);
  const deviceIds = Array.from({ length: n }, () => randomUUID());
  const endpointIds = urls.map(() => randomUUID());
  const deviceTokens = deviceIds.map((id) => `dev_scale_${id.replace(/-/g, '').slice(0, 20)}`);
  await pool.query(
    `insert into device (id, account_id, channel, token, name, identifier, inbound_handler)
     select d.id, $1, 'whatsapp', d.token, 'Line ' || d.n, '62812' || lpad(d.n::text, 8, '0'), 'webhook'
       from unnest($2::uuid[], $3::text[]) with ordinality as d(id, token, n)`,
    [accountId, deviceIds, deviceTokens],
  );
  await pool.query(
    `insert into endpoint (id, account_id, webhook_id, batch_id, channel, name, url, signing_key, events, status, activated_at)
     select e.id, $1, gen_random_uuid(), gen_random_uuid(), 'whatsapp', 'scale-' || e.n, e.url, $4, '{submission}', 'active', now()
       from unnest($2::uuid[], $3::text[]) with ordinality as e(id, url, n)`,
    [accountId, endpointIds, urls, SIGNING_KEY],
  );
  await pool.query(`insert into endpoint_device (endpoint_id, device_id) select * from unnest($1::uuid[], $2::uuid[])`, [
    endpointIds,
    endpointIds.map((_, i) => deviceIds[Math.floor(i / fanOut)]!),
  ]);
  const first = { id: deviceIds[0]!, accountId, channel: 'whatsapp' as const, token: deviceTokens[0]!, name: 'Line 1', identifier: '6281200000001', inboundHandler: 'webhook' as const, label: 'Line 1' };
  const { event: _e, device: _d, channel: _c, ...data } = samplePayload('submission', first);
  return { accountId, deviceTokens, fanOut, endpointIds, data, asFixture: { accountId, apiKey: '', device: first, endpointIds, data } };
}

/**
 * `rows` deliveries that are not due for a day yet (retries far ahead, a queue's standing
 * backlog), spread over the fixture's endpoints, each for one stored event per endpoint; their
 * lanes are due when they are, as the gateway would have left them. Then ANALYZE.
 */
export async function seedBacklog(pool: pg.Pool, f: ScaleFixture, rows: number): Promise<void> {
  const payload = JSON.stringify({ event: 'submission', device: f.deviceTokens[0], channel: 'whatsapp', ...f.data });
  await pool.query(
    `with ev as (
       insert into event (account_id, device_id, type, payload)
       select $1, ed.device_id, 'submission', $3::json from endpoint_device ed where ed.endpoint_id = any($2::uuid[])
       returning id, device_id
     ), pairs as (
       select row_number() over () - 1 as k, ev.id as event_id, ed.endpoint_id
         from ev join endpoint_device ed on ed.device_id = ev.device_id
     )
     insert into delivery (event_id, endpoint_id, account_id, run_at, created_at)
     select p.event_id, p.endpoint_id, $1, now() + interval '1 day' + g * interval '10 ms', now()
       from generate_series(0, $4::int - 1) g
       join pairs p on p.k = g % (select count(*) from pairs)`,
    [f.accountId, f.endpointIds, payload, rows],
  );
  await pool.query(
    `update endpoint_queue q set next_at = least(q.next_at, x.at)
       from (select endpoint_id, min(run_at) as at from delivery where status = 'pending' and endpoint_id = any($1::uuid[]) group by endpoint_id) x
      where q.endpoint_id = x.endpoint_id`,
    [f.endpointIds],
  );
  await pool.query('vacuum analyze event, delivery, endpoint_queue');
}

/**
 * `rows` attempts of the fixture's endpoints in the UTC day `daysAgo + 10` days ago (an old
 * day retention is due to drop), written fast: into a table of their own, then attached as
 * that day's partition (its indexes built once, sorted, by the attach).
 */
export async function seedOldDay(pool: pg.Pool, f: ScaleFixture, rows: number, daysAgo: number): Promise<{ name: string }> {
  const day = new Date(Math.floor(Date.now() / 86_400_000 - daysAgo - 10) * 86_400_000);
  const name = `attempt_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
  await pool.query(`create table ${name} (like attempt including defaults including constraints)`);
  await pool.query(
    `insert into ${name} (account_id, delivery_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
                          started_at, duration_ms, http_code, outcome, response_body, attempt_number)
     select $1, g, ($2::uuid[])[1 + g % cardinality($2::uuid[])], 'old', null, 'whatsapp', 'submission', 'http://127.0.0.1/hook', false,
            $3::timestamptz + (g % 86400000) * interval '1 millisecond', 3, 200, 'success', 'ok', 1
       from generate_series(1, $4::int) g`,
    [f.accountId, f.endpointIds, day, rows],
  );
  await pool.query(`alter table attempt attach partition ${name} for values from ('${day.toISOString()}') to ('${new Date(day.getTime() + 86_400_000).toISOString()}')`);
  return { name };
}
