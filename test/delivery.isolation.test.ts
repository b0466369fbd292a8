import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let healthy: Receiver;
let stuck: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' });
  healthy = await startReceiver();
  let testedStuck = false;
  stuck = await startReceiver((_req, res) => {
    if (!testedStuck) {
      testedStuck = true;
      res.writeHead(200).end();
    } // afterwards: never answers
  });
  acct = await seedAccount(gw.core);
  for (const [rx, device] of [[healthy, acct.wa], [stuck, acct.tg]] as const) {
    await saveActive(gw.core, acct.accountId, { name: rx.url, url: `${rx.url}/hook`, deviceIds: [device.id], events: ['submission'] });
  }
});
afterAll(async () => {
  await gw.close();
  await healthy.close();
  await stuck.close();
});

describe('one slow endpoint does not hold up the others', () => {
  it('with an endpoint hanging on every slot it may use, a healthy endpoint still gets its events at once', async () => {
    // 4 slots per endpoint, 6 in all: the stuck endpoint can take 4, never the healthy one's.
    // Its POSTs outlive the test, so whatever the healthy endpoint gets, it gets while they hold
    // their slots.
    const worker = gw.startWorker({ concurrency: 6, endpointConcurrency: 4, timeoutMs: 600_000 });
    const publish = (device: typeof acct.wa) =>
      gw.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });
    for (let i = 0; i < 10; i++) await publish(acct.tg);
    await stuck.waitFor(1 + 4);
    for (let i = 0; i < 20; i++) await publish(acct.wa);
    await healthy.waitFor(1 + 20);
    // the stuck endpoint never had more than its 4 slots, all still hanging
    expect(stuck.received.length).toBe(1 + 4);
    expect((await gw.core.logs.list(acct.accountId, { filter: { statuses: ['failed'] } })).items).toHaveLength(0);
    // Stopped with no grace: the 4 hanging POSTs are cut off and handed back to whoever comes next.
    await worker.stop(0);
  });

  it('the stuck deliveries time out as failed attempts while the rest wait their turn', async () => {
    gw.startWorker({ concurrency: 6, endpointConcurrency: 4, timeoutMs: 500 });
    const attempts = await eventually(async () => {
      const page = await gw.core.logs.list(acct.accountId, { filter: { statuses: ['failed'] } });
      const timeouts = page.items.filter((a) => a.errorCode === 'timeout');
      return timeouts.length >= 4 ? page.items : undefined;
    }, 'four timeouts');
    expect(attempts.every((a) => (a.errorCode === 'timeout' || a.errorCode === 'interrupted') && a.httpCode === null)).toBe(true);
  });
});
