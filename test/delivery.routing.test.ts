import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from './helpers/fixture.js';
import { eventually } from './helpers/gateway.js';
import { publishedData } from './helpers/samples.js';
import { LIVE_USER_AGENT } from '../src/core/dispatch/headers.js';

const f = useGateway();

beforeAll(async () => {
  // Acme: the WhatsApp line and the WABA number subscribe to incoming messages only.
  await f.activate({ path: '/acme', deviceIds: [f.acct.wa.id, f.acct.waba.id], events: ['incoming_message'] });
});

describe('routing: who gets a live event', () => {
  it('an Active endpoint linked to the device and subscribed to the event gets one delivery', async () => {
    expect((await f.publish(f.acct.wa, 'incoming_message')).deliveriesQueued).toBe(1);
  });

  it('a device whose On incoming message handler is not Webhook fires no incoming_message', async () => {
    const line = await f.device('whatsapp');
    await f.activate({ path: '/autoreply', deviceIds: [line.id], events: ['incoming_message'] });
    await f.gw.core.devices.update(f.acct.accountId, line.id, { inboundHandler: 'autoreply' });
    const r = await f.publish(line, 'incoming_message');
    expect(r.deliveriesQueued).toBe(0);
    expect(r.notRoutedReason).toContain('Autoreply');
  });

  it('an unchecked event is not delivered, and the publisher is told why', async () => {
    const r = await f.publish(f.acct.wa, 'submission');
    expect(r.deliveriesQueued).toBe(0);
    expect(r.notRoutedReason).toContain('no Active endpoint of this device subscribes to submission');
  });

  it('a delivered event has no reason attached', async () => {
    expect((await f.publish(f.acct.wa, 'incoming_message')).notRoutedReason).toBeNull();
  });

  it('a device not linked to the endpoint is not delivered', async () => {
    expect((await f.publish(f.acct.tg, 'incoming_message')).deliveriesQueued).toBe(0);
  });

  it("another account's endpoint never receives this account's events, even through the platform key", async () => {
    const theirs = await f.device('whatsapp', f.other.accountId);
    await f.activate({ path: '/other', deviceIds: [theirs.id], events: ['incoming_message', 'submission'], accountId: f.other.accountId });
    expect((await f.publish(f.acct.wa, 'incoming_message', null)).deliveriesQueued).toBe(1);
    expect((await f.publish(theirs, 'incoming_message', null)).deliveriesQueued).toBe(1);
  });

  it("an account cannot publish for another account's device", async () => {
    await expect(f.publish(f.other.wa, 'incoming_message', f.acct.accountId)).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'deviceToken' });
  });

  it('message_status is published only by WABA devices', async () => {
    // WABA's sample data, from a WhatsApp device.
    const data = publishedData('message_status', f.acct.waba);
    await expect(f.gw.core.dispatch.publish(f.acct.accountId, { deviceToken: f.acct.wa.token, event: 'message_status', data })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'channel' });
  });

  it('a routed delivery reaches its endpoint once a worker runs', async () => {
    const line = await f.device('whatsapp');
    await f.activate({ path: '/routed', deviceIds: [line.id], events: ['submission'] });
    expect((await f.publish(line, 'submission')).deliveriesQueued).toBe(1);
    const w = f.gw.startWorker();
    try {
      const live = await eventually(() => {
        const got = f.rx.received.filter((r) => r.path === '/routed' && r.headers['user-agent'] === LIVE_USER_AGENT);
        return got.length ? got : undefined;
      }, 'the live POST to /routed');
      expect(JSON.parse(live[0]!.body)).toMatchObject({ event: 'submission', device: line.token });
    } finally {
      await w.stop();
    }
  });
});
