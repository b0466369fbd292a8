import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let healthy: Receiver;
let stuck: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  // The stuck endpoint's POSTs outlive the test: whatever the healthy endpoint gets, it gets
  // while they still hold their slots (a claim that let the backlog hide it would deliver
  // nothing to it until they time out).
  gw = await startTestGateway({ DELIVERY_TIMEOUT_MS: '600000', RETRY_SCHEDULE: 'none' });
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
    for (let i = 0; i < 5; i++) await publish(acct.wa);
    await healthy.waitFor(1 + 5);
    expect(stuck.received.length).toBe(1 + 4);
    const { rows } = await gw.db.pool.query(`select count(*)::int as n from attempt where not test and url like $1`, [`${stuck.url}%`]);
    expect(rows[0].n).toBe(0); // every stuck POST still in flight
  });
});
