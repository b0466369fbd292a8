import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../src/core/dispatch/retryAfter.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

const LIVE = 'Kirisan-Webhook/1.0';
const live = (rx: Receiver) => rx.received.filter((r) => r.headers['user-agent'] === LIVE);

describe('Retry-After is read as the receiver wrote it', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it.each([
    [429, '3', 3_000],
    [503, ' 120 ', 120_000],
    [503, 'Tue, 01 Dec 2026 12:00:30 GMT', 30_000],
    [429, 'Tuesday, 01-Dec-26 12:01:00 GMT', 60_000],
    [429, 'Tue, 01 Dec 2026 11:00:00 GMT', 0],
  ])('HTTP %i with Retry-After %j: wait %i ms', (code, header, ms) => {
    expect(retryAfterMs(code, header, now)).toBe(ms);
  });
  it.each([
    [500, '3'],
    [429, undefined],
    [429, 'soon'],
    [503, '-5'],
    [503, '1.5'],
  ])('HTTP %i with Retry-After %j: no wait asked (the schedule applies)', (code, header) => {
    expect(retryAfterMs(code, header, now)).toBeNull();
  });
});

describe('back-pressure: a 429 with Retry-After holds its endpoint, and only it', () => {
  let gw: TestGateway;
  let throttled: Receiver;
  let healthy: Receiver;
  let acct: Awaited<ReturnType<typeof seedAccount>>;
  let throttledId: string;
  let answered429 = false;

  beforeAll(async () => {
    // The schedule would retry after 200 ms: the receiver's 3 s must win.
    gw = await startTestGateway({ RETRY_SCHEDULE: '200ms,200ms,200ms' });
    throttled = await startReceiver((r, res) => {
      if (r.headers['user-agent'] === LIVE && !answered429) {
        answered429 = true;
        res.writeHead(429, { 'retry-after': '3' }).end('slow down');
      } else res.writeHead(200).end('ok');
    });
    healthy = await startReceiver();
    acct = await seedAccount(gw.core);
    const saved = await saveActive(gw.core, acct.accountId, { name: 'Throttled', url: `${throttled.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
    throttledId = saved.endpoints[0]!.id;
    await saveActive(gw.core, acct.accountId, { name: 'Healthy', url: `${healthy.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
    // Two workers: the second knows of the hold only through the database.
    gw.startWorker();
    gw.startWorker();
  });
  afterAll(async () => {
    await gw.close();
    await throttled.close();
    await healthy.close();
  });

  const publish = (device: typeof acct.wa) =>
    gw.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });

  it('the next POST to the endpoint comes no sooner than the receiver asked, as a retry; its other deliveries wait; a healthy endpoint keeps receiving', async () => {
    await publish(acct.tg);
    await eventually(() => live(throttled).length === 1, 'the 429');
    const first = live(throttled)[0]!;
    // The hold reaches every worker through the endpoint's lane.
    await eventually(async () => {
      const { rows } = await gw.db.pool.query<{ held: boolean }>(`select paused_until > now() + interval '1 second' as held from endpoint_queue where endpoint_id = $1`, [throttledId]);
      return rows[0]?.held;
    }, 'the lane held');
    for (let i = 0; i < 3; i++) await publish(acct.tg);
    // Meanwhile the healthy endpoint gets each event as it is published, one after the other.
    let sentHealthy = 0;
    while (live(throttled).length === 1) {
      await publish(acct.wa);
      sentHealthy++;
      await healthy.waitFor(1 + sentHealthy);
    }
    const after = live(throttled);
    const next = after[1]!;
    expect(next.at - first.at).toBeGreaterThanOrEqual(3_000);
    // every POST held back came after the wait, none before
    await eventually(() => live(throttled).length === 1 + 4, 'the four held POSTs');
    expect(live(throttled).every((r) => r === first || r.at - first.at >= 3_000)).toBe(true);
    const healthyDuringHold = live(healthy).filter((r) => r.at > first.at && r.at < next.at).length;
    expect(healthyDuringHold).toBeGreaterThanOrEqual(1);
    // the held delivery went again as its second attempt, same webhook-id
    const again = live(throttled).filter((r) => r.headers['webhook-id'] === first.headers['webhook-id']);
    expect(again).toHaveLength(2);
    const attempts = await gw.core.logs.list(acct.accountId, { filter: { endpointIds: [throttledId] } });
    const held = attempts.items.find((a) => a.httpCode === 429)!;
    expect(held).toMatchObject({ attemptNumber: 1, outcome: 'failed' });
    expect(held.errorText).toMatch(/Retry-After: the endpoint is held for 3 s/);
  });
});

describe('back-pressure is capped and counts as a retry', () => {
  let gw: TestGateway;
  let rx: Receiver;
  let acct: Awaited<ReturnType<typeof seedAccount>>;
  let endpointId: string;
  let throttle = true;

  beforeAll(async () => {
    gw = await startTestGateway({ RETRY_SCHEDULE: '200ms', RETRY_AFTER_MAX: '1s' });
    rx = await startReceiver((r, res) => {
      if (r.headers['user-agent'] === LIVE && throttle) res.writeHead(503, { 'retry-after': '3600' }).end('maintenance');
      else res.writeHead(200).end('ok');
    });
    acct = await seedAccount(gw.core);
    endpointId = (await saveActive(gw.core, acct.accountId, { name: 'Maintenance', url: `${rx.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] })).endpoints[0]!.id;
    gw.startWorker();
  });
  afterAll(async () => {
    await gw.close();
    await rx.close();
  });

  it('an hour asked for is held only as long as RETRY_AFTER_MAX; with no retry left the delivery fails as usual', async () => {
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.tg.token, event: 'submission', data: publishedData('submission', acct.tg) });
    // 503 + 503: the schedule had one retry; the hour became 1 s (an hour would outlast the test)
    await eventually(async () => (await gw.db.pool.query(`select 1 from delivery where endpoint_id = $1 and status = 'failed'`, [endpointId])).rowCount === 1, 'the delivery failed for good');
    expect(live(rx)).toHaveLength(2);
    expect(live(rx)[1]!.at - live(rx)[0]!.at).toBeGreaterThanOrEqual(1_000);
  });
});
