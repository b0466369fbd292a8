import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id, acct.tg.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

const event = (device: typeof acct.wa) => ({ deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });
const stored = async () => (await gw.db.pool.query<{ n: number }>('select count(*)::int as n from event')).rows[0]!.n;

describe('publishing many events at once (the platform bulk path)', () => {
  it('stores every event with its deliveries in one call, results in the order given', async () => {
    const before = await stored();
    const results = await gw.core.dispatch.publishMany(acct.accountId, [event(acct.wa), event(acct.tg), event(acct.waba), event(acct.wa)]);
    expect(results.map((r) => r.deliveriesQueued)).toEqual([1, 1, 0, 1]);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(4);
    expect(await stored()).toBe(before + 4);
    const { rows } = await gw.db.pool.query<{ event_id: string }>('select event_id from delivery where event_id = any($1::uuid[]) order by id', [results.map((r) => r.eventId)]);
    expect(rows.map((r) => r.event_id)).toEqual([results[0]!.eventId, results[1]!.eventId, results[3]!.eventId]);
  });

  it('all or nothing: one bad event refuses the batch, naming it by its index', async () => {
    const before = await stored();
    await expect(gw.core.dispatch.publishMany(acct.accountId, [event(acct.wa), { ...event(acct.tg), deviceToken: 'dev_nope' }])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'events[1].deviceToken',
    });
    await expect(gw.core.dispatch.publishMany(acct.accountId, [event(acct.wa), { ...event(acct.tg), data: { nope: true } }])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: expect.stringMatching(/^events\[1\]\.data/),
    });
    expect(await stored()).toBe(before);
  });
});

describe('single publishes that arrive together (group commit)', () => {
  it('are stored in one statement, each with its own event and deliveries; a bad one fails alone and stores nothing', async () => {
    const other = await seedAccount(gw.core, 'Other');
    const before = await stored();
    const calls = [
      event(acct.wa),
      ...Array.from({ length: 8 }, (_, i) => event(i % 2 ? acct.wa : acct.tg)),
      { ...event(acct.wa), deviceToken: 'dev_nope' },
      event(other.wa), // a device of another account: not found in this one
      { ...event(acct.tg), data: { nope: true } },
      event(acct.waba), // stored, but no endpoint subscribes
    ];
    // Made in one go: the first is stored at once, the others wait for it and go together.
    const settled = await Promise.allSettled(calls.map((c) => gw.core.dispatch.publish(acct.accountId, c)));
    const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(settled.map((s) => s.status)).toEqual([...Array(9).fill('fulfilled'), 'rejected', 'rejected', 'rejected', 'fulfilled']);
    expect(settled.slice(9, 12).map((s) => s.status === 'rejected' && (s.reason as { code: string; field: string }))).toEqual([
      expect.objectContaining({ code: 'NOT_FOUND', field: 'deviceToken' }),
      expect.objectContaining({ code: 'NOT_FOUND', field: 'deviceToken' }),
      expect.objectContaining({ code: 'VALIDATION_FAILED', field: expect.stringMatching(/^data/) }),
    ]);
    expect(ok.map((r) => r.deliveriesQueued)).toEqual([...Array(9).fill(1), 0]);
    expect(ok[9]!.notRoutedReason).toContain('no Active endpoint');
    expect(new Set(ok.map((r) => r.eventId)).size).toBe(10);
    expect(await stored()).toBe(before + 10);
    // One transaction wrote the first event; another wrote the nine that waited for it.
    const { rows } = await gw.db.pool.query<{ n: number }>('select count(distinct xmin::text)::int as n from event where id = any($1::uuid[])', [ok.map((r) => r.eventId)]);
    expect(rows[0]!.n).toBe(2);
    const { rows: deliveries } = await gw.db.pool.query<{ event_id: string }>('select event_id from delivery where event_id = any($1::uuid[])', [ok.map((r) => r.eventId)]);
    expect(new Set(deliveries.map((d) => d.event_id))).toEqual(new Set(ok.slice(0, 9).map((r) => r.eventId)));
  });

  it('a statement that fails fails the events it carried; a call refused before it keeps its own error', async () => {
    await gw.db.pool.query(`create function refuse_events() returns trigger language plpgsql as $$ begin raise exception 'events refused by the test'; end $$`);
    await gw.db.pool.query(`create trigger refuse_events before insert on event for each statement execute function refuse_events()`);
    try {
      const before = await stored();
      const settled = await Promise.allSettled([event(acct.wa), event(acct.tg), { ...event(acct.wa), deviceToken: 'dev_nope' }].map((c) => gw.core.dispatch.publish(acct.accountId, c)));
      expect(settled.map((s) => s.status === 'rejected' && s.reason)).toEqual([
        expect.objectContaining({ message: expect.stringContaining('events refused by the test') }),
        expect.objectContaining({ message: expect.stringContaining('events refused by the test') }),
        expect.objectContaining({ code: 'NOT_FOUND', field: 'deviceToken' }),
      ]);
      expect(await stored()).toBe(before);
    } finally {
      await gw.db.pool.query(`drop trigger refuse_events on event; drop function refuse_events()`);
    }
  });

  it('a publish stuck behind a lane another transaction holds does not hold up the publishes after it', async () => {
    const lock = await gw.db.pool.connect();
    try {
      await lock.query('begin');
      // The endpoint's lane, locked as a long transaction would: a publish to it waits.
      await lock.query(`select 1 from endpoint_queue q join endpoint_device ed on ed.endpoint_id = q.endpoint_id where ed.device_id = $1 for update of q`, [acct.wa.id]);
      const stuck = gw.core.dispatch.publish(acct.accountId, event(acct.wa));
      // An event of a device no endpoint subscribes to locks no lane; it is stored while the other still waits.
      const free = await gw.core.dispatch.publish(acct.accountId, event(acct.waba));
      expect(free.deliveriesQueued).toBe(0);
      const { rows } = await gw.db.pool.query<{ n: number }>('select count(*)::int as n from event where id = $1', [free.eventId]);
      expect(rows[0]!.n).toBe(1);
      await lock.query('rollback');
      await expect(stuck).resolves.toMatchObject({ deliveriesQueued: 1 });
    } finally {
      lock.release();
    }
  });
});
