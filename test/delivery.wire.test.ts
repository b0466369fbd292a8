import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePayload } from '../src/core/events/index.js';
import type { EventType, SubscribedEvent } from '../src/core/terms.js';
import type { DeviceView } from '../src/core/registry/devices.js';
import { createTestDatabase } from './helpers/db.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

/** Saves a webhook for one device and activates it with a test; returns its signing key. */
async function activeWebhook(path: string, device: DeviceView, events: SubscribedEvent[], secret: string | null = null) {
  // One webhook at a time, so that each event has exactly one receiver path.
  for (const row of (await gw.core.webhooks.list(acct.accountId, { first: 100 })).items) await gw.core.webhooks.delete(acct.accountId, row.id);
  const saved = await gw.core.webhooks.save(acct.accountId, { name: path, url: `${rx.url}/${path}`, secret, deviceIds: [device.id], events });
  const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
  expect((await gw.core.tests.send(acct.accountId, target!.id)).success).toBe(true);
  return saved.signingKey;
}

async function publishAndReceive(device: DeviceView, event: EventType, path: string) {
  // Counted before publishing: the POST may arrive before the publish call returns.
  const n = rx.received.length;
  const r = await gw.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event, data: publishedData(event, device) });
  expect(r.deliveriesQueued).toBe(1);
  await rx.waitFor(n + 1);
  const got = rx.received.at(-1)!;
  expect(got.path).toBe(`/${path}`);
  return got;
}

const cases: Array<[EventType, 'wa' | 'tg' | 'waba']> = [
  ['incoming_message', 'wa'],
  ['incoming_message', 'tg'],
  ['incoming_message', 'waba'],
  ['submission', 'wa'],
  ['submission', 'tg'],
  ['submission', 'waba'],
  ['message_status', 'waba'],
];

describe('a live delivery on the wire', () => {
  it.each(cases)('%s from the %s device arrives byte for byte with every contract header, signed', async (event, which) => {
    const device = acct[which];
    const path = `${event}-${which}`;
    const signingKey = await activeWebhook(path, device, [event], 'shh-secret');
    const got = await publishAndReceive(device, event, path);

    // The body: the payload builder's JSON plus timestamp (Unix seconds, when sent) and production: true.
    const expected = { ...samplePayload(event, device) };
    const body = JSON.parse(got.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([...Object.keys(expected), 'timestamp', 'production']);
    expect(got.body).toBe(JSON.stringify({ ...expected, timestamp: body.timestamp, production: true }));
    // When sent: the signed webhook-timestamp, and no later than the receiver got it.
    expect(body.timestamp).toBe(Number(got.headers['webhook-timestamp']));
    expect(body.timestamp as number).toBeLessThanOrEqual(Math.ceil(got.at / 1000));
    expect(body).toMatchObject({ event, device: device.token, channel: device.channel });

    expect(got.method).toBe('POST');
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.headers['user-agent']).toBe('Kirisan-Webhook/1.0');
    expect(got.headers['x-kirisan-event']).toBe(event);
    expect(got.headers['x-kirisan-device']).toBe(device.token);
    expect(got.headers['x-webhook-secret']).toBe('shh-secret');

    // Standard Webhooks: the receiver verifies with the standardwebhooks package itself.
    const verified = new Webhook(signingKey).verify(got.body, {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    });
    expect(verified).toEqual(body);
    expect(got.headers['webhook-timestamp']).toBe(String(body.timestamp));
  });

  it('without a signing secret, X-Webhook-Secret is absent', async () => {
    await activeWebhook('no-secret', acct.tg, ['submission']);
    const got = await publishAndReceive(acct.tg, 'submission', 'no-secret');
    expect(got.headers).not.toHaveProperty('x-webhook-secret');
    expect(got.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('a legacy endpoint subscribed as submission.completed gets that name in X-Kirisan-Event, and "submission" in the body', async () => {
    // Legacy rows predate the current names: a new webhook cannot choose it, so the row is made old here.
    await activeWebhook('legacy', acct.wa, ['submission']);
    await gw.db.pool.query(`update endpoint set events = array['submission.completed'] where account_id = $1`, [acct.accountId]);
    const got = await publishAndReceive(acct.wa, 'submission', 'legacy');
    expect(got.headers['x-kirisan-event']).toBe('submission.completed');
    expect(JSON.parse(got.body).event).toBe('submission');
  });

  it('a tampered body fails verification', async () => {
    const signingKey = await activeWebhook('tamper', acct.waba, ['message_status']);
    const got = await publishAndReceive(acct.waba, 'message_status', 'tamper');
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(() => new Webhook(signingKey).verify(got.body.replace('"delivered"', '"read"'), headers)).toThrow();
  });

  it('test POSTs carry production: false and the test user agent', async () => {
    const n = rx.received.length;
    await activeWebhook('test-shape', acct.tg, ['incoming_message']);
    const got = rx.received[n]!;
    expect(got.headers['user-agent']).toBe('Kirisan-Webhook-Test/1.0');
    expect(JSON.parse(got.body)).toMatchObject({ event: 'incoming_message', production: false });
  });
});

describe('webhook-ids across installations', () => {
  it('a wiped database, whose delivery ids start again from 1, does not repeat a webhook-id a receiver has seen', async () => {
    /** A new installation (an empty database, migrated at start) delivering its first event. */
    async function firstDelivery() {
      const empty = await createTestDatabase({ empty: true });
      const fresh = await startTestGateway({ MIGRATE_ON_START: 'true' }, { url: empty.url });
      try {
        const a = await seedAccount(fresh.core);
        await saveActive(fresh.core, a.accountId, { name: 'dedup', url: `${rx.url}/dedup`, deviceIds: [a.wa.id], events: ['submission'] });
        fresh.startWorker();
        const n = rx.received.length;
        await fresh.core.dispatch.publish(a.accountId, { deviceToken: a.wa.token, event: 'submission', data: publishedData('submission', a.wa) });
        await rx.waitFor(n + 1);
        // The receiver has the POST a moment before its attempt is written.
        const deliveryId = await eventually(async () => (await fresh.db.pool.query<{ delivery_id: string }>(`select delivery_id from attempt where not test`)).rows[0]?.delivery_id, 'the attempt recorded');
        return { deliveryId, webhookId: String(rx.received.at(-1)!.headers['webhook-id']) };
      } finally {
        await fresh.close();
        await empty.drop();
      }
    }
    const before = await firstDelivery();
    const after = await firstDelivery();
    expect(after.deliveryId).toBe(before.deliveryId);
    expect(before.webhookId).toMatch(/^msg_[0-9a-f]{12}_\d+$/);
    expect(after.webhookId).toMatch(/^msg_[0-9a-f]{12}_\d+$/);
    expect(after.webhookId).not.toBe(before.webhookId);
  });
});
