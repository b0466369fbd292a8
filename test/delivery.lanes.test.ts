import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueueRepair } from '../src/core/dispatch/queueRepair.js';
import { deliveryStates, eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * Each endpoint's deliveries wait in its lane: a claim looks only at lanes that are due, and
 * a lane that runs dry is parked until its next delivery is due; a publish wakes it.
 */
let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
const endpoints: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  for (const [name, device] of [['wa', acct.wa], ['tg', acct.tg]] as const) {
    const saved = await saveActive(gw.core, acct.accountId, { name, url: `${rx.url}/${name}`, deviceIds: [device.id], events: ['submission'] });
    endpoints.push(saved.endpoints[0]!.id);
  }
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

const live = () => rx.received.filter((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0');
const publish = (device: typeof acct.wa) => gw.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });
const lane = async (endpointId: string) =>
  (await gw.db.pool.query<{ due: boolean; idle: boolean }>(`select next_at <= now() as due, next_at = 'infinity' as idle from endpoint_queue where endpoint_id = $1`, [endpointId])).rows[0]!;

describe('lanes', () => {
  it('deliveries published one by one while a worker keeps draining the endpoints are all sent, each once', async () => {
    const worker = gw.startWorker({ batchSize: 10 });
    try {
      const before = live().length;
      // Each publish tends to find its lane just parked by the claim before: the hand-over
      // between a claim parking a lane and a publish waking it, many times over.
      for (let i = 0; i < 120; i++) await publish(i % 2 ? acct.tg : acct.wa);
      await eventually(() => live().length >= before + 120, '120 deliveries');
      const ids = live().slice(before).map((r) => String(r.headers['webhook-id']));
      expect(new Set(ids).size).toBe(120);
      await eventually(async () => (await deliveryStates(gw.db, endpoints[0]!)).delivered + (await deliveryStates(gw.db, endpoints[1]!)).delivered === 120, 'every attempt recorded');
    } finally {
      await worker.stop();
    }
    // Drained: nothing left to look at until the next publish.
    await eventually(async () => (await lane(endpoints[0]!)).due === false, 'the lane parked');
  });

  it('a lane that lost track of its deliveries is found by the safety net and its deliveries are sent', async () => {
    const before = live().length;
    await publish(acct.wa);
    // A fault (here by hand): the lane says nothing is waiting.
    await gw.db.pool.query(`update endpoint_queue set next_at = 'infinity' where endpoint_id = $1`, [endpoints[0]]);
    const repair = startQueueRepair({ pool: gw.db.pool });
    try {
      expect(await repair.runOnce()).toEqual([endpoints[0]]);
      expect(await lane(endpoints[0]!)).toEqual({ due: true, idle: false });
      expect(await repair.runOnce()).toEqual([]);
    } finally {
      repair.stop();
    }
    const worker = gw.startWorker();
    try {
      await eventually(() => live().length >= before + 1, 'the delivery');
    } finally {
      await worker.stop();
    }
  });
});
