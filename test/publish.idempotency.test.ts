import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRetention } from '../src/core/logs/retention.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, PLATFORM_KEY, startApiGateway } from './helpers/api.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * Publishing with an idempotency key: a publisher that retries (a timeout, a 503, a lost
 * connection) sends the same key again and gets the first result; nothing new is stored or
 * queued, even while the first call is still running.
 */

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let endpointIds: string[];

const PUBLISH = `mutation($t: String!, $d: JSON!, $k: String) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d, idempotencyKey: $k) { eventId deliveriesQueued replayed } }`;
type Published = { publishEvent: { eventId: string; deliveriesQueued: number; replayed: boolean } | null };

beforeAll(async () => {
  // No workers anywhere: every queued delivery stays in the table to be counted.
  // A long statement timeout: the in-flight test holds a lock for as long as the machine needs.
  api = await startApiGateway({ ROLES: 'api', DB_STATEMENT_TIMEOUT_MS: '60000' });
  gw = await startTestGateway({}, { url: api.dbUrl });
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  const a = await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/crm`, deviceIds: [acct.wa.id], events: ['submission'] });
  const b = await saveActive(gw.core, acct.accountId, { name: 'Data lake', url: `${rx.url}/lake`, deviceIds: [acct.wa.id], events: ['submission'] });
  endpointIds = [a.endpoints[0]!.id, b.endpoints[0]!.id];
});
afterAll(async () => {
  await gw.close();
  await api.close();
  await rx.close();
});

const counts = async () =>
  (await gw.db.pool.query<{ events: number; deliveries: number }>('select (select count(*)::int from event) as events, (select count(*)::int from delivery) as deliveries')).rows[0]!;

const publish = (key: string | null, data: unknown = publishedData('submission', acct.wa)) =>
  gqlClient(api.http, acct.apiKey)<Published>(PUBLISH, { t: acct.wa.token, d: data, k: key });

/**
 * Statements of the gateway waiting on a lock. Read outside the locking transaction: inside one,
 * PostgreSQL answers pg_stat_activity from the snapshot of its first read.
 */
const waiting = async (statement: string) =>
  (await gw.db.pool.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query like $1`, [statement])).rowCount;

/** Runs `tasks` with at most `n` at a time. */
async function pool<T>(n: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  }));
  return out;
}

describe('idempotent publishing', () => {
  // Through core (the GraphQL door adds nothing to the rule and is exercised below): 2,000 calls.
  it('1,000 publishes each sent twice (half of the pairs at the same time) store 1,000 events and queue one delivery each per endpoint', { timeout: 240_000 }, async () => {
    const before = await counts();
    const data = publishedData('submission', acct.wa);
    const send = (key: string) => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data, idempotencyKey: key });
    const pairs = await pool(
      16,
      Array.from({ length: 1000 }, (_, i) => async () => {
        const key = `evt-${randomUUID()}`;
        if (i % 2 === 0) return Promise.all([send(key), send(key)]);
        const first = await send(key);
        return [first, await send(key)] as const;
      }),
    );
    for (const [i, [a, b]] of pairs.entries()) {
      expect(b.eventId).toBe(a.eventId);
      expect([a.deliveriesQueued, b.deliveriesQueued]).toEqual([2, 2]);
      // Exactly one of the two stored the event; a sequential retry is always the replay.
      expect([a, b].filter((r) => r.replayed)).toHaveLength(1);
      if (i % 2 === 1) expect(b.replayed).toBe(true);
    }
    const ids = pairs.map(([a]) => a.eventId);
    expect(new Set(ids).size).toBe(1000);
    expect(await counts()).toEqual({ events: before.events + 1000, deliveries: before.deliveries + 2000 });
    const perEndpoint = await gw.db.pool.query<{ endpoint_id: string; n: number; events: number }>(
      `select endpoint_id, count(*)::int as n, count(distinct event_id)::int as events from delivery where event_id = any($1::uuid[]) group by 1 order by 1`,
      [ids],
    );
    expect(perEndpoint.rows).toEqual([...endpointIds].sort().map((id) => ({ endpoint_id: id, n: 1000, events: 1000 })));
  });

  it('over the API, a retry with the same key answers the first result, marked replayed', async () => {
    const key = `evt-${randomUUID()}`;
    const before = await counts();
    const first = await publish(key);
    const retry = await publish(key);
    expect(first.data!.publishEvent).toEqual({ eventId: expect.any(String), deliveriesQueued: 2, replayed: false });
    expect(retry.data!.publishEvent).toEqual({ ...first.data!.publishEvent, replayed: true });
    expect(await counts()).toEqual({ events: before.events + 1, deliveries: before.deliveries + 2 });
  });

  it('a key is per account: the platform key publishing for the device shares the account\'s keys', async () => {
    const key = `evt-${randomUUID()}`;
    const mine = await publish(key);
    const platform = await gqlClient(api.http, PLATFORM_KEY)<Published>(PUBLISH, { t: acct.wa.token, d: publishedData('submission', acct.wa), k: key });
    expect(platform.data!.publishEvent).toEqual({ ...mine.data!.publishEvent, replayed: true });
  });

  it('the same key for a different event is refused as CONFLICT, and nothing is stored', async () => {
    const key = `evt-${randomUUID()}`;
    await publish(key);
    const before = await counts();
    const other = { ...publishedData('submission', acct.wa), sender: 'someone else' };
    const r = await publish(key, other);
    expect(r.data?.publishEvent).toBeNull();
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(await counts()).toEqual(before);
  });

  it('in the bulk form, a key repeated inside one call is stored once, and a conflict refuses the whole call', async () => {
    const key = `bulk-${randomUUID()}`;
    const data = publishedData('submission', acct.wa);
    const before = await counts();
    const results = await gw.core.dispatch.publishMany(acct.accountId, [
      { deviceToken: acct.wa.token, event: 'submission', data, idempotencyKey: key },
      { deviceToken: acct.wa.token, event: 'submission', data, idempotencyKey: null },
      { deviceToken: acct.wa.token, event: 'submission', data, idempotencyKey: key },
    ]);
    expect(results.map((r) => r.replayed)).toEqual([false, false, true]);
    expect(results[2]!.eventId).toBe(results[0]!.eventId);
    expect(await counts()).toEqual({ events: before.events + 2, deliveries: before.deliveries + 4 });
    await expect(
      gw.core.dispatch.publishMany(acct.accountId, [
        { deviceToken: acct.wa.token, event: 'submission', data, idempotencyKey: `new-${randomUUID()}` },
        { deviceToken: acct.wa.token, event: 'submission', data: { ...data, sender: 'changed' }, idempotencyKey: key },
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT', field: 'events[1].idempotencyKey' });
    expect(await counts()).toEqual({ events: before.events + 2, deliveries: before.deliveries + 4 });
  });

  it('a retry while the first call is still in flight waits for it and returns its result', async () => {
    const admin = new pg.Client(api.dbUrl);
    await admin.connect();
    try {
      const key = `evt-${randomUUID()}`;
      const before = await counts();
      // Holds every event insert back, so the first call stops after claiming its key.
      await admin.query('begin');
      await admin.query('lock table event in exclusive mode');
      const first = publish(key);
      await eventually(async () => (await waiting('with i as%')) === 1, 'the first publish waiting');
      const second = publish(key);
      await eventually(async () => (await waiting('insert into publish_key%')) === 1, 'the retry waiting on the key');
      await admin.query('commit');
      const [a, b] = await Promise.all([first, second]);
      expect(a.data!.publishEvent!.replayed).toBe(false);
      expect(b.data!.publishEvent).toEqual({ ...a.data!.publishEvent, replayed: true });
      expect(await counts()).toEqual({ events: before.events + 1, deliveries: before.deliveries + 2 });
    } finally {
      await admin.query('rollback').catch(() => undefined);
      await admin.end();
    }
  });

  it('when the database does not answer: 503 with Retry-After and nothing stored; the retry with the key stores the event once', async () => {
    const quick = await startApiGateway({ ROLES: 'api', DB_STATEMENT_TIMEOUT_MS: '300' }, { url: api.dbUrl });
    const admin = new pg.Client(api.dbUrl);
    await admin.connect();
    try {
      const key = `evt-${randomUUID()}`;
      const before = await counts();
      const send = () => gqlClient(quick.http, acct.apiKey)<Published>(PUBLISH, { t: acct.wa.token, d: publishedData('submission', acct.wa), k: key });
      await admin.query('begin');
      await admin.query('lock table event in exclusive mode');
      const res = await fetch(`${quick.http}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${acct.apiKey}` },
        body: JSON.stringify({ query: PUBLISH, variables: { t: acct.wa.token, d: publishedData('submission', acct.wa), k: key } }),
      });
      await admin.query('commit');
      const down = (await res.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(down.errors?.[0]).toMatchObject({ extensions: { code: 'UNAVAILABLE', retryable: true }, message: expect.stringContaining('idempotencyKey') });
      expect(await counts()).toEqual(before);
      const retried = await send();
      const again = await send();
      expect(retried.data!.publishEvent!.replayed).toBe(false);
      expect(again.data!.publishEvent).toEqual({ ...retried.data!.publishEvent, replayed: true });
      expect(await counts()).toEqual({ events: before.events + 1, deliveries: before.deliveries + 2 });
    } finally {
      await admin.query('rollback').catch(() => undefined);
      await admin.end();
      await quick.close();
    }
  });

  it('one failing publish among aliased ones nulls only its own field; the others keep their results', async () => {
    const before = await counts();
    const r = await gqlClient(api.http, acct.apiKey)<Record<string, { eventId: string } | null>>(
      `mutation($d: JSON!, $t: String!) {
         a: publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId }
         b: publishEvent(deviceToken: "dev_nope", event: SUBMISSION, data: $d) { eventId }
         c: publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId }
       }`,
      { d: publishedData('submission', acct.wa), t: acct.wa.token },
    );
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ a: { eventId: expect.any(String) }, b: null, c: { eventId: expect.any(String) } });
    expect(r.errors).toEqual([expect.objectContaining({ path: ['b'], extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    expect((await counts()).events).toBe(before.events + 2);
  });

  it('a key older than the window is forgotten: publishing with it again stores a new event, and retention prunes it', async () => {
    const key = `evt-${randomUUID()}`;
    const first = await publish(key);
    await gw.db.pool.query(`update publish_key set created_at = now() - interval '25 hours' where key = $1`, [key]);
    const later = await publish(key);
    expect(later.data!.publishEvent!.replayed).toBe(false);
    expect(later.data!.publishEvent!.eventId).not.toBe(first.data!.publishEvent!.eventId);
    await gw.db.pool.query(`update publish_key set created_at = now() - interval '25 hours' where key = $1`, [key]);
    const retention = startRetention({ pool: gw.db.pool, days: 30, idempotencyWindowMs: 86_400_000 });
    try {
      await retention.runOnce();
    } finally {
      retention.stop();
    }
    expect((await gw.db.pool.query('select 1 from publish_key where key = $1', [key])).rowCount).toBe(0);
  });
});
