import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let other: Awaited<ReturnType<typeof seedAccount>>;

const activate = (accountId: string, deviceIds: string[], events: Parameters<TestGateway['core']['webhooks']['save']>[1]['events'], path: string) =>
  saveActive(gw.core, accountId, { name: path, url: `${rx.url}/${path}`, deviceIds, events });

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startReceiver();
  acct = await seedAccount(gw.core, 'Acme');
  other = await seedAccount(gw.core, 'Other');
  // Acme: the WhatsApp line and the WABA number subscribe to incoming messages only.
  await activate(acct.accountId, [acct.wa.id, acct.waba.id], ['incoming_message'], 'acme');
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

const publish = (accountId: string | null, device: typeof acct.wa, event: 'incoming_message' | 'submission' | 'message_status') =>
  gw.core.dispatch.publish(accountId, { deviceToken: device.token, event, data: publishedData(event, device) });

describe('routing: who gets a live event', () => {
  it('an Active endpoint linked to the device and subscribed to the event gets one delivery', async () => {
    expect((await publish(acct.accountId, acct.wa, 'incoming_message')).deliveriesQueued).toBe(1);
  });

  it('a device whose On incoming message handler is not Webhook fires no incoming_message', async () => {
    await gw.core.devices.update(acct.accountId, acct.wa.id, { inboundHandler: 'autoreply' });
    const r = await publish(acct.accountId, acct.wa, 'incoming_message');
    expect(r.deliveriesQueued).toBe(0);
    expect(r.notRoutedReason).toContain('Autoreply');
    await gw.core.devices.update(acct.accountId, acct.wa.id, { inboundHandler: 'webhook' });
  });

  it('an unchecked event is not delivered', async () => {
    expect((await publish(acct.accountId, acct.wa, 'submission')).deliveriesQueued).toBe(0);
  });

  it('a device not linked to the endpoint is not delivered', async () => {
    expect((await publish(acct.accountId, acct.tg, 'incoming_message')).deliveriesQueued).toBe(0);
  });

  it("another account's endpoint never receives this account's events, even through the platform key", async () => {
    await activate(other.accountId, [other.wa.id], ['incoming_message', 'submission'], 'other');
    expect((await publish(null, acct.wa, 'incoming_message')).deliveriesQueued).toBe(1);
    expect((await publish(null, other.wa, 'incoming_message')).deliveriesQueued).toBe(1);
  });

  it("an account cannot publish for another account's device", async () => {
    await expect(publish(acct.accountId, other.wa, 'incoming_message')).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'deviceToken' });
  });

  it('message_status is published only by WABA devices', async () => {
    await expect(gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'message_status', data: publishedData('message_status', acct.waba) }))
      .rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'channel' });
  });

  it('every routed delivery reaches its endpoint', async () => {
    const w = gw.startWorker();
    await rx.waitFor(2 + 3); // two activation tests, then the three deliveries queued above
    await w.stop();
    const paths = rx.received.filter((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0').map((r) => r.path).sort();
    expect(paths).toEqual(['/acme', '/acme', '/other']);
  });
});
