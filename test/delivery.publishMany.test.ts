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
