import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeliveries } from '../src/db/sql/claimDeliveries.js';
import { deliveryStates, eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let endpointId: string;
let down = true;

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver((req, res) => {
    const live = req.headers['user-agent'] === 'Kirisan-Webhook/1.0';
    res.writeHead(live && down ? 503 : 200).end(live && down ? 'busy' : 'ok');
  });
  acct = await seedAccount(gw.core);
  const saved = await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
  endpointId = saved.endpoints[0]!.id;
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

const publish = () => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.tg.token, event: 'submission', data: publishedData('submission', acct.tg) });
const liveFailures = () => rx.received.filter((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0').length;
const deliveries = () => deliveryStates(gw.db, endpointId);
const pausedUntil = async () => (await gw.db.pool.query<{ paused_until: Date | null }>(`select paused_until from endpoint_queue where endpoint_id = $1`, [endpointId])).rows[0]!.paused_until;

describe('an endpoint that keeps failing is paused (circuit breaker)', () => {
  it('after five failures in a row it is paused: what is published for it waits instead of being attempted', async () => {
    for (let i = 0; i < 5; i++) await publish();
    await eventually(() => liveFailures() === 5, 'five failed POSTs');
    await eventually(async () => ((await pausedUntil())?.getTime() ?? 0) > Date.now(), 'the pause');
    for (let i = 0; i < 10; i++) await publish();
    // Queued behind the pause: the endpoint's lane is not due before the pause ends, so no
    // worker can take them before it (and none is even read).
    const { rows: parked } = await gw.db.pool.query<{ waiting: number; lane_due_after_pause: boolean }>(
      `select (select count(*)::int from delivery where endpoint_id = $1 and status = 'pending' and leased_by is null) as waiting,
              (select greatest(next_at, paused_until) >= paused_until and paused_until > now() from endpoint_queue where endpoint_id = $1) as lane_due_after_pause`,
      [endpointId],
    );
    // Only the breaker's probe may go out meanwhile: one at a time, the first after a second (a
    // probe that fails is a delivery failed for good here, as nothing is retried).
    const states = await deliveries();
    expect(parked[0]!.lane_due_after_pause).toBe(true);
    expect(states.pending - parked[0]!.waiting).toBeLessThanOrEqual(1);
    expect(states).toMatchObject({ delivered: 0 });
    expect(states.pending + states.failed).toBe(15);
    expect(liveFailures()).toBeLessThanOrEqual(states.failed + 1);
  });

  it('one probe after the pause: when it succeeds, the endpoint resumes and everything waiting is delivered', async () => {
    down = false;
    await eventually(async () => (await deliveries()).pending === 0, 'the waiting deliveries');
    const states = await deliveries();
    expect(states.failed + states.delivered).toBe(15);
    expect(states.delivered).toBeGreaterThan(0);
    expect(await pausedUntil()).toBeNull();
    // each delivery was sent exactly once: the five failures, the probes, then the rest
    expect(liveFailures()).toBe(15);
  });
});

describe('a probe of a paused endpoint takes only a delivery that is due', () => {
  let own: TestGateway;
  let ownAcct: Awaited<ReturnType<typeof seedAccount>>;
  let pausedEndpoint: string;
  beforeAll(async () => {
    // No worker: the claim is called here as a worker's probe would call it.
    own = await startTestGateway();
    ownAcct = await seedAccount(own.core);
    const saved = await saveActive(own.core, ownAcct.accountId, { name: 'Down', url: `${rx.url}/down`, deviceIds: [ownAcct.tg.id], events: ['submission'] });
    pausedEndpoint = saved.endpoints[0]!.id;
    await own.core.dispatch.publish(ownAcct.accountId, { deviceToken: ownAcct.tg.token, event: 'submission', data: publishedData('submission', ownAcct.tg) });
    // As the breaker leaves it: the delivery failed once and waits for its retry in an hour; the lane is paused.
    await own.db.pool.query(`update delivery set attempts = 1, run_at = now() + interval '1 hour' where endpoint_id = $1`, [pausedEndpoint]);
    await own.db.pool.query(`update endpoint_queue set paused_until = now() + interval '10 minutes' where endpoint_id = $1`, [pausedEndpoint]);
  });
  afterAll(() => own.close());

  const probe = () => claimDeliveries(own.db.pool, { workerId: 'prober', limit: 1, leaseMs: 30_000, perEndpoint: 1, busyEndpoints: [], busyFree: [], probeEndpoints: [pausedEndpoint] });
  const runAt = async () => (await own.db.pool.query<{ run_at: Date; attempts: number }>(`select run_at, attempts from delivery where endpoint_id = $1`, [pausedEndpoint])).rows[0]!;

  it('a retry that is not due yet is not sent as a probe, and keeps its time (RETRY_SCHEDULE holds while the breaker is open)', async () => {
    const before = await runAt();
    expect(await probe()).toEqual([]);
    expect(await runAt()).toEqual(before);
  });

  it('once the retry is due, the probe takes it as its next attempt', async () => {
    await own.db.pool.query(`update delivery set run_at = now() where endpoint_id = $1`, [pausedEndpoint]);
    expect(await probe()).toMatchObject([{ endpointId: pausedEndpoint, attempt: 2 }]);
  });
});
