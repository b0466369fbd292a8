import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { HANG_GUARD_MS } from './helpers/waits.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let endpointId: string;
let other: Receiver;
let otherId: string;

beforeAll(async () => {
  // The poll is further away than the test waits: a rate-limited lane served only by the poll
  // would stall the test instead of slowing it.
  gw = await startTestGateway({ WORKER_POLL_MS: String(HANG_GUARD_MS * 10) });
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  const saved = await saveActive(gw.core, acct.accountId, { name: 'Limited', url: `${rx.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
  endpointId = saved.endpoints[0]!.id;
  other = await startReceiver();
  const second = await saveActive(gw.core, acct.accountId, { name: 'Also limited', url: `${other.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
  otherId = second.endpoints[0]!.id;
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await rx.close();
  await other.close();
});

const events = (device: typeof acct.wa, n: number) => Array.from({ length: n }, () => ({ deviceToken: device.token, event: 'submission' as const, data: publishedData('submission', device) }));

describe('a rate-limited endpoint with a backlog gets its rate', () => {
  it('the worker looks at the lane again when its next burst may go, every time (not at the next poll): 100 deliveries at 50/s all arrive with the poll out of reach', async () => {
    await gw.core.webhooks.setRateLimit(acct.accountId, endpointId, 50);
    const before = rx.received.length;
    await gw.core.dispatch.publishMany(null, events(acct.tg, 100));
    // 20 bursts of 5, each woken by the claim before it: a wake lost once leaves the rest for the poll.
    await eventually(() => rx.received.length - before === 100, '100 deliveries of the rate-limited endpoint');
    expect(new Set(rx.received.slice(before).map((r) => r.headers['webhook-id'])).size).toBe(100);
  });

  it('two rate-limited lanes whose bursts come at different times each keep their own wake: the later one is not lost when the earlier one runs dry', async () => {
    await gw.core.webhooks.setRateLimit(acct.accountId, otherId, 50);
    const first = rx.received.length;
    const second = other.received.length;
    // One burst for the first lane; the second lane's backlog is claimed a little later.
    await gw.core.dispatch.publishMany(null, events(acct.tg, 5));
    await eventually(() => rx.received.length - first === 5, "the first lane's burst");
    await gw.core.dispatch.publishMany(null, events(acct.wa, 40));
    // The first lane's next wake finds it dry; the second lane's, a moment later, must still come.
    await eventually(() => other.received.length - second === 40, '40 deliveries of the second rate-limited endpoint');
  });
});

describe('a stopping worker hands its rate-limited lanes to the workers that stay', () => {
  it('the lane’s next burst goes from another worker when it may, not at that worker’s poll: the backlog arrives with every poll out of reach', async () => {
    // A database of its own: no other worker may serve the lane.
    const own = await startTestGateway({ WORKER_POLL_MS: String(HANG_GUARD_MS * 10) });
    const hooks = await startReceiver();
    try {
      const mine = await seedAccount(own.core);
      const saved = await saveActive(own.core, mine.accountId, { name: 'Handed over', url: `${hooks.url}/hook`, deviceIds: [mine.waba.id], events: ['submission'] });
      await own.core.webhooks.setRateLimit(mine.accountId, saved.endpoints[0]!.id, 5);
      const before = hooks.received.length;
      const leaving = own.startWorker();
      await own.core.dispatch.publishMany(null, events(mine.waba, 10));
      // One at a time at 5/s (200 ms apart, so that the staying worker's first claim, right
      // after its start, finds the lane still held): the worker that took the first knows when
      // the next may go.
      await eventually(() => hooks.received.length - before >= 1, 'the first burst');
      // Started now, the staying worker has seen no claim of that lane, and its poll is out of reach.
      own.startWorker();
      await leaving.stop();
      await eventually(() => hooks.received.length - before === 10, 'the rest of the backlog, from the worker that stays');
    } finally {
      await own.close();
      await hooks.close();
    }
  });
});
