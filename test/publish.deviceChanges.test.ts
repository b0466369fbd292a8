import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

// Two gateway processes' cores on one database: `publisher` publishes (and keeps the devices it
// found), `admin` is where the device is changed.
let publisher: TestGateway;
let admin: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  rx = await startReceiver();
  publisher = await startTestGateway();
  admin = await startTestGateway({}, { url: publisher.url });
  acct = await seedAccount(admin.core);
  await saveActive(admin.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['incoming_message'] });
});
afterAll(async () => {
  await admin?.close();
  await publisher?.close();
  await rx?.close();
});

const message = () => ({ deviceToken: acct.wa.token, event: 'incoming_message' as const, data: publishedData('incoming_message', acct.wa) });
const eventsOfDevice = async () => Number((await admin.db.pool.query<{ n: string }>(`select count(*) as n from event where device_id = $1`, [acct.wa.id])).rows[0]!.n);

describe('a publish sees a change to its device at once, even in a process that published to it before', () => {
  it('an inbound handler changed elsewhere routes the very next publish by the new handler, single, bulk and keyed alike', async () => {
    expect((await publisher.core.dispatch.publish(acct.accountId, message())).deliveriesQueued).toBe(1);

    await admin.core.devices.update(acct.accountId, acct.wa.id, { inboundHandler: 'autoreply' });
    const single = await publisher.core.dispatch.publish(acct.accountId, message());
    expect(single).toMatchObject({ deliveriesQueued: 0, notRoutedReason: expect.stringContaining('Autoreply') });
    const [bulk] = await publisher.core.dispatch.publishMany(acct.accountId, [message()]);
    expect(bulk).toMatchObject({ deliveriesQueued: 0, notRoutedReason: expect.stringContaining('Autoreply') });
    const keyed = await publisher.core.dispatch.publish(acct.accountId, { ...message(), idempotencyKey: 'crm-1' });
    expect(keyed).toMatchObject({ deliveriesQueued: 0, replayed: false, notRoutedReason: expect.stringContaining('Autoreply') });

    await admin.core.devices.update(acct.accountId, acct.wa.id, { inboundHandler: 'webhook' });
    expect((await publisher.core.dispatch.publish(acct.accountId, message())).deliveriesQueued).toBe(1);
    expect((await publisher.core.dispatch.publishMany(acct.accountId, [message(), message()])).map((r) => r.deliveriesQueued)).toEqual([1, 1]);
  });

  it('a device that is gone is NOT_FOUND on the next publish, and nothing is stored for it', async () => {
    expect((await publisher.core.dispatch.publish(acct.accountId, message())).deliveriesQueued).toBe(1);
    // No door deletes a device; it goes with its account, or by hand.
    await admin.db.pool.query(`delete from endpoint_device where device_id = $1`, [acct.wa.id]);
    await admin.db.pool.query(`delete from device where id = $1`, [acct.wa.id]);
    await admin.db.pool.query(`delete from event where device_id = $1`, [acct.wa.id]);

    await expect(publisher.core.dispatch.publish(acct.accountId, message())).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'deviceToken' });
    await expect(publisher.core.dispatch.publishMany(acct.accountId, [message()])).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'events[0].deviceToken' });
    await expect(publisher.core.dispatch.publish(acct.accountId, { ...message(), idempotencyKey: 'crm-2' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await eventsOfDevice()).toBe(0);
  });
});
