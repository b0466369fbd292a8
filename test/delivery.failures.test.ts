import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { deliveryStates, eventually, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

/** What the receiver does per path; "/ok" and the first request of every path (the activation test) succeed. */
const behaviour: Record<string, 'fail500' | 'hang' | 'redirect'> = { '/fails': 'fail500', '/hangs': 'hang', '/moved': 'redirect' };
const seen = new Set<string>();

beforeAll(async () => {
  // Two scheduled retries (200 ms, 400 ms) → three attempts; a 1 s live timeout.
  gw = await startTestGateway({ DELIVERY_TIMEOUT_MS: '1000', RETRY_SCHEDULE: '200ms,400ms' });
  rx = await startReceiver((req, res) => {
    const first = !seen.has(req.path);
    seen.add(req.path);
    const b = behaviour[req.path];
    if (first || !b) res.writeHead(200).end('ok');
    else if (b === 'fail500') res.writeHead(500).end('boom: handler crashed');
    else if (b === 'redirect') res.writeHead(302, { location: 'https://elsewhere.example.com/hook' }).end();
    // hang: never answer
  });
  acct = await seedAccount(gw.core);
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

async function activeEndpoint(url: string) {
  const saved = await gw.core.webhooks.save(acct.accountId, { name: url, url, deviceIds: [acct.tg.id], events: ['submission'] });
  const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
  const test = await gw.core.tests.send(acct.accountId, target!.id);
  return { endpointId: saved.endpoints[0]!.id, webhookId: saved.webhookId, test };
}

async function publishOnce() {
  return gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.tg.token, event: 'submission', data: publishedData('submission', acct.tg) });
}

async function liveAttempts(endpointId: string, n: number) {
  return eventually(async () => {
    const page = await gw.core.logs.list(acct.accountId, { filter: { endpointId, test: false } });
    return page.items.length >= n ? page.items.reverse() : undefined;
  }, `${n} live attempts`);
}

/** Only one webhook at a time is active, so that each publish targets one receiver. */
async function clear() {
  for (const row of (await gw.core.webhooks.list(acct.accountId, { first: 100 })).items) await gw.core.webhooks.delete(acct.accountId, row.id);
}

describe('failed deliveries', () => {
  it('a receiver answering 500 is retried on the schedule, then the delivery fails for good', async () => {
    await clear();
    const { endpointId } = await activeEndpoint(`${rx.url}/fails`);
    await publishOnce();
    const attempts = await liveAttempts(endpointId, 3);
    expect(attempts.map((a) => [a.attemptNumber, a.outcome, a.httpCode, a.errorCode])).toEqual([
      [1, 'failed', 500, 'http_status'],
      [2, 'failed', 500, 'http_status'],
      [3, 'failed', 500, 'http_status'],
    ]);
    expect(attempts[0]!.responseBody).toBe('boom: handler crashed');
    expect(attempts[0]!.diagnosis?.cause).toContain('HTTP 500');
    const gap1 = attempts[1]!.startedAt.getTime() - attempts[0]!.startedAt.getTime();
    const gap2 = attempts[2]!.startedAt.getTime() - attempts[1]!.startedAt.getTime();
    // Never before its time on the schedule (how soon after is the bench's business).
    expect(gap1).toBeGreaterThanOrEqual(200);
    expect(gap2).toBeGreaterThanOrEqual(400);
    // Failed is final: once the delivery says so, no further attempt can come.
    await eventually(async () => {
      const { rows } = await gw.db.pool.query('select status, attempts from delivery where endpoint_id = $1', [endpointId]);
      return rows[0]?.status === 'failed' && rows[0].attempts === 3;
    }, 'the delivery failed for good after 3 attempts');
    expect((await gw.core.logs.list(acct.accountId, { filter: { endpointId, test: false } })).items).toHaveLength(3);
  });

  it('manual redelivery sends a failed delivery once more; bulk redelivery requeues every failure of an endpoint', async () => {
    const [endpoint] = (await gw.core.webhooks.list(acct.accountId)).items[0]!.endpoints;
    const attempts = await liveAttempts(endpoint!.id, 3);
    delete behaviour['/fails'];
    await gw.core.dispatch.redeliver(acct.accountId, attempts[0]!.deliveryId!);
    const after = await liveAttempts(endpoint!.id, 4);
    expect(after[3]).toMatchObject({ attemptNumber: 4, outcome: 'success', httpCode: 200, deliveryId: attempts[0]!.deliveryId });

    behaviour['/fails'] = 'fail500';
    await publishOnce();
    await publishOnce();
    await eventually(async () => {
      const { rows } = await gw.db.pool.query(`select count(*)::int as n from delivery where endpoint_id = $1 and status = 'failed'`, [endpoint!.id]);
      return rows[0].n === 2;
    }, 'two failed deliveries');
    delete behaviour['/fails'];
    const r = await gw.core.dispatch.redeliverFailed(acct.accountId, { endpointId: endpoint!.id, since: new Date(Date.now() - 60_000) });
    expect(r.queued).toBe(2);
    await eventually(async () => (await deliveryStates(gw.db, endpoint!.id)).delivered === 3, 'all deliveries succeeded');
    expect(await deliveryStates(gw.db, endpoint!.id)).toEqual({ pending: 0, failed: 0, delivered: 3 });
  });

  it('a receiver hanging past the timeout is a failed attempt with no HTTP code and a timeout diagnosis', async () => {
    await clear();
    const { endpointId } = await activeEndpoint(`${rx.url}/hangs`);
    await publishOnce();
    const [a] = await liveAttempts(endpointId, 1);
    expect(a).toMatchObject({ outcome: 'failed', httpCode: null, errorCode: 'timeout' });
    // Waited out the whole timeout (DELIVERY_TIMEOUT_MS) before giving up.
    expect(a!.durationMs).toBeGreaterThanOrEqual(gw.config.delivery.timeoutMs - 50);
    expect(a!.diagnosis?.cause).toContain(`did not answer within ${gw.config.delivery.timeoutMs / 1000} s`);
  });

  it('a refused connection is a failed attempt with no HTTP code, diagnosed as could not connect', async () => {
    await clear();
    const port = await freePort();
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'down', url: `http://127.0.0.1:${port}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
    const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
    const result = await gw.core.tests.send(acct.accountId, target!.id);
    expect(result).toMatchObject({ success: false, httpStatus: null, errorCode: 'connection_refused' });
    expect(result.diagnosis?.cause).toContain('could not connect');
    const detail = await gw.core.logs.get(acct.accountId, result.attemptId);
    expect(detail).toMatchObject({ outcome: 'failed', httpCode: null, errorCode: 'connection_refused', test: true });
  });

  it('a redirect is not followed: a failed attempt naming the Location', async () => {
    await clear();
    const { endpointId } = await activeEndpoint(`${rx.url}/moved`);
    const n = rx.received.length;
    await publishOnce();
    const [a] = await liveAttempts(endpointId, 1);
    expect(a).toMatchObject({ outcome: 'failed', httpCode: 302, errorCode: 'redirect' });
    expect(a!.errorText).toContain('https://elsewhere.example.com/hook');
    expect(a!.diagnosis?.cause).toContain('redirect');
    expect(rx.received.length).toBe(n + 1);
  });

  it('a URL that turned private after saving is refused at send time and never retried', async () => {
    await clear();
    const strict = await startTestGateway({ ALLOW_PRIVATE_TARGETS: 'false' }, { url: gw.url });
    try {
      // Saved while private targets were allowed (as a DNS change would do to a public name).
      const saved = await gw.core.webhooks.save(acct.accountId, { name: 'private', url: `${rx.url}/private`, deviceIds: [acct.tg.id], events: ['submission'] });
      const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
      const result = await strict.core.tests.send(acct.accountId, target!.id);
      expect(result).toMatchObject({ success: false, httpStatus: null, errorCode: 'private_target' });
      expect(result.diagnosis?.fix).toContain('public internet');
    } finally {
      await strict.close();
    }
  });
});
