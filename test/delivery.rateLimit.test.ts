import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

const LIVE = 'Kirisan-Webhook/1.0';
const live = (rx: Receiver) => rx.received.filter((r) => r.headers['user-agent'] === LIVE);

let gw: TestGateway;
let limited: Receiver;
let unlimited: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let limitedId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  limited = await startReceiver();
  unlimited = await startReceiver();
  acct = await seedAccount(gw.core);
  const saved = await saveActive(gw.core, acct.accountId, { name: 'Limited', url: `${limited.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
  limitedId = saved.endpoints[0]!.id;
  await saveActive(gw.core, acct.accountId, { name: 'Unlimited', url: `${unlimited.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
  // Two workers: they share the limit only through the database.
  gw.startWorker();
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await limited.close();
  await unlimited.close();
});

describe('a per-endpoint rate limit holds across workers; what is beyond it waits', () => {
  it('10 deliveries at 5/s are all delivered, spread over at least (10 − 1) / 5 s, while another endpoint gets all of its 20', async () => {
    const RATE = 5;
    await gw.core.webhooks.setRateLimit(acct.accountId, limitedId, RATE);
    const batch = (device: typeof acct.wa, n: number) =>
      Array.from({ length: n }, () => ({ deviceToken: device.token, event: 'submission' as const, data: publishedData('submission', device) }));
    await gw.core.dispatch.publishMany(null, [...batch(acct.tg, 10), ...batch(acct.wa, 20)]);
    await eventually(() => live(limited).length === 10 && live(unlimited).length === 20, 'every delivery');
    const at = live(limited).map((r) => r.at);
    // A burst of at most max(1, rate/10) = 1 goes at once, then one per 1/rate s: 9 intervals of
    // 200 ms, measured on the receiver (one interval of slack for the first POST's own latency).
    expect(at[9]! - at[0]!).toBeGreaterThanOrEqual(((10 - 1 - 1) * 1000) / RATE);
    // none was dropped or sent twice
    expect(new Set(live(limited).map((r) => r.headers['webhook-id'])).size).toBe(10);
    // The other endpoint's 20 all arrived; that it keeps its full speed meanwhile is a timing
    // figure, shown by the bench's ratelimit phase (a busy machine may stretch its 20 past 1.6 s).
    // Nothing of the limited endpoint is left waiting once its POSTs are recorded (a delivered
    // delivery's row goes with its attempt, a moment after the receiver saw the POST).
    await eventually(async () => (await gw.db.pool.query(`select count(*)::int as n from delivery where endpoint_id = $1`, [limitedId])).rows[0]!.n === 0, 'every delivery of the limited endpoint recorded');
  });
});

