import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

// Two gateway processes' cores on one database: `publisher` publishes (and keeps the devices it
// found), `admin` is where the devices are changed.
let publisher: TestGateway;
let admin: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
type Device = Awaited<ReturnType<typeof seedAccount>>['wa'];

beforeAll(async () => {
  rx = await startReceiver();
  publisher = await startTestGateway();
  admin = await startTestGateway({}, { url: publisher.url });
  acct = await seedAccount(admin.core);
});
afterAll(async () => {
  await admin?.close();
  await publisher?.close();
  await rx?.close();
});

let lines = 0;
/** A WhatsApp line with an Active endpoint subscribed to its incoming messages. */
async function line(): Promise<Device> {
  const d = await admin.core.devices.register(acct.accountId, { channel: 'whatsapp', name: `Line ${++lines}`, identifier: `62812000000${lines}`, inboundHandler: 'webhook' });
  await saveActive(admin.core, acct.accountId, { name: `CRM ${lines}`, url: `${rx.url}/hook`, deviceIds: [d.id], events: ['incoming_message'] });
  return d as Device;
}
const message = (d: Device, idempotencyKey?: string) => ({ deviceToken: d.token, event: 'incoming_message' as const, data: publishedData('incoming_message', d), idempotencyKey });
const eventsOf = async (d: Device) => Number((await admin.db.pool.query<{ n: string }>(`select count(*) as n from event where device_id = $1`, [d.id])).rows[0]!.n);
const handler = (d: Device, inboundHandler: 'webhook' | 'autoreply') => admin.core.devices.update(acct.accountId, d.id, { inboundHandler });
const unrouted = { deliveriesQueued: 0, notRoutedReason: expect.stringContaining('Autoreply') };

describe('a publish sees a change to its device at once, even in a process that published to it before', () => {
  it('a single publish after the inbound handler changed elsewhere is routed by the new handler, and stored once', async () => {
    const d = await line();
    expect((await publisher.core.dispatch.publish(acct.accountId, message(d))).deliveriesQueued).toBe(1);
    await handler(d, 'autoreply');
    expect(await publisher.core.dispatch.publish(acct.accountId, message(d))).toMatchObject(unrouted);
    await handler(d, 'webhook');
    expect((await publisher.core.dispatch.publish(acct.accountId, message(d))).deliveriesQueued).toBe(1);
    expect(await eventsOf(d)).toBe(3);
  });

  it('a bulk publish after the change is routed by the new handler, all or nothing as ever', async () => {
    const d = await line();
    expect((await publisher.core.dispatch.publishMany(acct.accountId, [message(d)]))[0]!.deliveriesQueued).toBe(1);
    await handler(d, 'autoreply');
    const results = await publisher.core.dispatch.publishMany(acct.accountId, [message(d), message(d)]);
    expect(results).toMatchObject([unrouted, unrouted]);
    expect(await eventsOf(d)).toBe(3);
  });

  it('a keyed publish after the change is routed by the new handler; its retry replays it', async () => {
    const d = await line();
    expect((await publisher.core.dispatch.publish(acct.accountId, message(d))).deliveriesQueued).toBe(1);
    await handler(d, 'autoreply');
    const first = await publisher.core.dispatch.publish(acct.accountId, message(d, 'crm-1'));
    expect(first).toMatchObject({ ...unrouted, replayed: false });
    expect(await publisher.core.dispatch.publish(acct.accountId, message(d, 'crm-1'))).toMatchObject({ eventId: first.eventId, replayed: true });
    expect(await eventsOf(d)).toBe(2);
  });

  it('in single publishes stored together, only the changed device’s events follow its new handler', async () => {
    const [changed, same] = [await line(), await line()];
    await Promise.all([changed, same].map((d) => publisher.core.dispatch.publish(acct.accountId, message(d))));
    await handler(changed, 'autoreply');
    const results = await Promise.all([changed, same, changed, same].map((d) => publisher.core.dispatch.publish(acct.accountId, message(d))));
    expect(results).toMatchObject([unrouted, { deliveriesQueued: 1 }, unrouted, { deliveriesQueued: 1 }]);
    expect([await eventsOf(changed), await eventsOf(same)]).toEqual([3, 3]);
  });

  it('a device that is gone is NOT_FOUND on the next publish of every kind, and nothing is stored for it', async () => {
    const gone = [await line(), await line(), await line()];
    await Promise.all(gone.map((d) => publisher.core.dispatch.publish(acct.accountId, message(d))));
    // No door deletes a device; it goes with its account, or by hand.
    const ids = gone.map((d) => d.id);
    await admin.db.pool.query(`delete from endpoint_device where device_id = any($1::uuid[])`, [ids]);
    await admin.db.pool.query(`delete from device where id = any($1::uuid[])`, [ids]);
    await admin.db.pool.query(`delete from event where device_id = any($1::uuid[])`, [ids]);

    await expect(publisher.core.dispatch.publish(acct.accountId, message(gone[0]!))).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'deviceToken' });
    await expect(publisher.core.dispatch.publishMany(acct.accountId, [message(gone[1]!)])).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'events[0].deviceToken' });
    await expect(publisher.core.dispatch.publish(acct.accountId, message(gone[2]!, 'crm-2'))).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'deviceToken' });
    for (const d of gone) expect(await eventsOf(d)).toBe(0);
  });
});
