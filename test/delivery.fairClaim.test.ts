import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let healthy: Receiver;
let stuck: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway({ DELIVERY_TIMEOUT_MS: '3000', RETRY_SCHEDULE: 'none' });
  healthy = await startReceiver();
  stuck = await startReceiver((req, res) => {
    if (req.headers['user-agent'] !== 'Kirisan-Webhook/1.0') res.writeHead(200).end('ok');
    // live POSTs: never answered
  });
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'stuck', url: `${stuck.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
  await saveActive(gw.core, acct.accountId, { name: 'healthy', url: `${healthy.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await healthy.close();
  await stuck.close();
});

const publish = (device: typeof acct.wa) =>
  gw.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });

describe('claims are fair between endpoints', () => {
  it("a stuck endpoint's backlog at the front of the queue, longer than a whole claim, does not hide another endpoint's deliveries", async () => {
    // Claims of 10; the stuck endpoint holds its 4 slots and has 60 older deliveries waiting.
    gw.startWorker({ batchSize: 10, concurrency: 20, endpointConcurrency: 4 });
    for (let i = 0; i < 64; i++) await publish(acct.tg);
    await stuck.waitFor(1 + 4);
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await publish(acct.wa);
    await healthy.waitFor(1 + 5, 3_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(stuck.received.length).toBe(1 + 4);
  });
});
