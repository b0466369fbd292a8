import { describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { useGateway } from './helpers/fixture.js';
import { deliveryStates, eventually, startTestGateway } from './helpers/gateway.js';
import { firstRequestPasses, type Responder } from './helpers/receiver.js';

/** How the receiver answers live traffic on each path (the activation test always passes). */
const behaviour = new Map<string, 'fail500' | 'hang' | 'redirect'>();
const byPath: Responder = (req, res) => {
  const b = behaviour.get(req.path);
  if (b === 'fail500') res.writeHead(500).end('boom: handler crashed');
  else if (b === 'redirect') res.writeHead(302, { location: 'https://elsewhere.example.com/hook' }).end();
  else if (b !== 'hang') res.writeHead(200).end('ok');
  // hang: never answer
};

describe('failed deliveries', () => {
  // Two scheduled retries (200 ms, 400 ms) → three attempts; a 1 s live timeout.
  const f = useGateway({ env: { DELIVERY_TIMEOUT_MS: '1000', RETRY_SCHEDULE: '200ms,400ms' }, worker: true, receiver: firstRequestPasses(byPath) });

  /** A webhook of its own (own device, own path) answering as `b` once active. */
  async function failingWebhook(path: string, b: 'fail500' | 'hang' | 'redirect') {
    const device = await f.device('telegram');
    const saved = await f.activate({ path, deviceIds: [device.id], events: ['submission'] });
    behaviour.set(path, b);
    return { device, endpointId: saved.endpoints[0]!.id };
  }

  const failedDeliveries = async (endpointId: string) =>
    (await f.gw.db.pool.query<{ attempts: number }>(`select attempts from delivery where endpoint_id = $1 and status = 'failed' order by id`, [endpointId])).rows;

  it('a receiver answering 500 is retried on the schedule, then the delivery fails for good', async () => {
    const { device, endpointId } = await failingWebhook('/fails', 'fail500');
    await f.publish(device);
    const attempts = await f.liveAttempts(endpointId, 3);
    expect(attempts.map((a) => [a.attemptNumber, a.outcome, a.httpCode, a.errorCode])).toEqual([
      [1, 'failed', 500, 'http_status'],
      [2, 'failed', 500, 'http_status'],
      [3, 'failed', 500, 'http_status'],
    ]);
    expect(attempts[0]!.responseBody).toBe('boom: handler crashed');
    expect(attempts[0]!.diagnosis?.cause).toContain('HTTP 500');
    // Never before its time on the schedule (how soon after is the bench's business).
    expect(attempts[1]!.startedAt.getTime() - attempts[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(200);
    expect(attempts[2]!.startedAt.getTime() - attempts[1]!.startedAt.getTime()).toBeGreaterThanOrEqual(400);
    // Failed is final: once the delivery says so, no further attempt can come.
    await eventually(async () => (await failedDeliveries(endpointId))[0]?.attempts === 3, 'the delivery failed for good after 3 attempts');
    expect(await f.liveAttempts(endpointId, 3)).toHaveLength(3);
  });

  it('manual redelivery sends a failed delivery once more', async () => {
    const { device, endpointId } = await failingWebhook('/redeliver-one', 'fail500');
    await f.publish(device);
    await eventually(async () => (await failedDeliveries(endpointId)).length === 1, 'the delivery failed for good');
    const [first] = await f.liveAttempts(endpointId, 3);
    behaviour.delete('/redeliver-one');
    await f.gw.core.dispatch.redeliver(f.acct.accountId, first!.deliveryId!);
    const after = await f.liveAttempts(endpointId, 4);
    expect(after[3]).toMatchObject({ attemptNumber: 4, outcome: 'success', httpCode: 200, deliveryId: first!.deliveryId });
  });

  it('bulk redelivery requeues every failure of an endpoint since a time', async () => {
    const { device, endpointId } = await failingWebhook('/redeliver-all', 'fail500');
    await f.publish(device);
    await f.publish(device);
    await eventually(async () => (await failedDeliveries(endpointId)).length === 2, 'two failed deliveries');
    behaviour.delete('/redeliver-all');
    const r = await f.gw.core.dispatch.redeliverFailed(f.acct.accountId, { endpointId, since: new Date(Date.now() - 60_000) });
    expect(r.queued).toBe(2);
    await eventually(async () => (await deliveryStates(f.gw.db, endpointId)).delivered === 2, 'both deliveries succeeded');
    expect(await deliveryStates(f.gw.db, endpointId)).toEqual({ pending: 0, failed: 0, delivered: 2 });
  });

  it('a receiver hanging past the timeout is a failed attempt with no HTTP code and a timeout diagnosis', async () => {
    const { device, endpointId } = await failingWebhook('/hangs', 'hang');
    await f.publish(device);
    const [a] = await f.liveAttempts(endpointId, 1);
    expect(a).toMatchObject({ outcome: 'failed', httpCode: null, errorCode: 'timeout' });
    // Waited out the whole timeout (DELIVERY_TIMEOUT_MS) before giving up.
    expect(a!.durationMs).toBeGreaterThanOrEqual(f.gw.config.delivery.timeoutMs - 50);
    expect(a!.diagnosis?.cause).toContain(`did not answer within ${f.gw.config.delivery.timeoutMs / 1000} s`);
  });

  it('a refused connection is a failed attempt with no HTTP code, diagnosed as could not connect', async () => {
    const port = await freePort();
    const saved = await f.gw.core.webhooks.save(f.acct.accountId, { name: 'down', url: `http://127.0.0.1:${port}/hook`, deviceIds: [f.acct.tg.id], events: ['submission'] });
    const [target] = await f.gw.core.tests.targets(f.acct.accountId, { webhookId: saved.webhookId });
    const result = await f.gw.core.tests.send(f.acct.accountId, target!.id);
    expect(result).toMatchObject({ success: false, httpStatus: null, errorCode: 'connection_refused' });
    expect(result.diagnosis?.cause).toContain('could not connect');
    const detail = await f.gw.core.logs.get(f.acct.accountId, result.attemptId);
    expect(detail).toMatchObject({ outcome: 'failed', httpCode: null, errorCode: 'connection_refused', test: true });
  });

  it('a redirect is not followed: a failed attempt naming the Location', async () => {
    const { device, endpointId } = await failingWebhook('/moved', 'redirect');
    // Counted on this path alone: retries of the other tests' webhooks may still be arriving.
    const toMoved = () => f.rx.received.filter((r) => r.path === '/moved').length;
    const n = toMoved();
    await f.publish(device);
    await eventually(async () => (await failedDeliveries(endpointId)).length === 1, 'the delivery failed for good');
    const attempts = await f.liveAttempts(endpointId, 1);
    expect(attempts.map((a) => [a.outcome, a.httpCode, a.errorCode])).toEqual(attempts.map(() => ['failed', 302, 'redirect']));
    expect(attempts[0]!.errorText).toContain('https://elsewhere.example.com/hook');
    expect(attempts[0]!.diagnosis?.cause).toContain('redirect');
    // One POST per attempt, each to the saved URL: the Location was never followed.
    expect(toMoved()).toBe(n + attempts.length);
  });
});

describe('a URL that turned private after it was saved', () => {
  // Saved and activated while private targets were allowed (as a DNS change would do to a
  // public name); delivered by a worker that refuses them. No worker of the fixture's own.
  const f = useGateway({ env: { RETRY_SCHEDULE: '200ms,400ms' } });

  it('is refused at send time, live and in a test, and the live delivery is never retried', async () => {
    const saved = await f.activate({ path: '/private', deviceIds: [f.acct.tg.id], events: ['submission'] });
    const endpointId = saved.endpoints[0]!.id;
    const strict = await startTestGateway({ ALLOW_PRIVATE_TARGETS: 'false', RETRY_SCHEDULE: '200ms,400ms' }, { url: f.gw.url });
    try {
      const [target] = await strict.core.tests.targets(f.acct.accountId, { webhookId: saved.webhookId });
      const test = await strict.core.tests.send(f.acct.accountId, target!.id);
      expect(test).toMatchObject({ success: false, httpStatus: null, errorCode: 'private_target' });
      expect(test.diagnosis?.fix).toContain('public internet');

      strict.startWorker();
      const received = f.rx.received.length;
      await f.publish(f.acct.tg);
      // Failed for good after its first attempt, although the schedule has two retries left.
      await eventually(async () => (await deliveryStates(f.gw.db, endpointId)).failed === 1, 'the delivery failed for good');
      const attempts = await f.liveAttempts(endpointId, 1);
      expect(attempts.map((a) => [a.attemptNumber, a.errorCode, a.httpCode])).toEqual([[1, 'private_target', null]]);
      const { rows } = await f.gw.db.pool.query<{ attempts: number }>('select attempts from delivery where endpoint_id = $1', [endpointId]);
      expect(rows).toEqual([{ attempts: 1 }]);
      expect(f.rx.received.length).toBe(received);
    } finally {
      await strict.close();
    }
  });
});
