import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, ok, startApiGateway, wsClient } from './helpers/api.js';
import { startGatewayProcess } from './helpers/processes.js';
import { firstRequestPasses, startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let other: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  // The API process runs no workers: every live attempt comes from another process.
  api = await startApiGateway({ ROLES: 'api' });
  gw = await startTestGateway({}, { url: api.dbUrl });
  rx = await startReceiver(firstRequestPasses((req, res) => res.writeHead(req.path.endsWith('/fail') ? 500 : 200).end()));
  acct = await seedAccount(gw.core, 'Acme');
  other = await seedAccount(gw.core, 'Other');
  for (const [a, device, path] of [[acct, acct.wa, '/acme/ok'], [acct, acct.tg, '/acme/fail'], [other, other.tg, '/other/fail']] as const) {
    await saveActive(gw.core, a.accountId, { name: path, url: `${rx.url}${path}`, deviceIds: [device.id], events: ['submission'] });
  }
});
afterAll(async () => {
  await gw.close();
  await api.close();
  await rx.close();
});

type Pushed = { deliveryAttempts: { id: string; webhookName: string; outcome: string; httpCode: number; test: boolean; diagnosis: { code: string } | null } };

describe('deliveryAttempts subscription over graphql-ws', () => {
  it('pushes exactly the matching attempts made by another gateway process, and nothing of another account', async () => {
    const client = wsClient(api.http, acct.apiKey);
    const pushed: Array<{ a: Pushed['deliveryAttempts'] }> = [];
    let failure: unknown = null;
    client.subscribe<Pushed>(
      { query: `subscription { deliveryAttempts(filter: { statuses: [FAILED], test: false }) { id webhookName outcome httpCode test diagnosis { code } } }` },
      {
        next: (m) => (m.data ? pushed.push({ a: m.data.deliveryAttempts }) : (failure = m.errors)),
        error: (e) => (failure = e),
        complete: () => undefined,
      },
    );
    await eventually(() => api.gateway.feeds.attempts.subscribers(acct.accountId) === 1, 'the subscription registered');
    const worker = await startGatewayProcess({ DATABASE_URL: api.dbUrl, ROLES: 'workers', ALLOW_PRIVATE_TARGETS: 'true', RETRY_SCHEDULE: 'none', WORKER_POLL_MS: '100' });
    try {
      const publish = (accountId: string, device: typeof acct.wa) =>
        gw.core.dispatch.publish(accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });
      for (let i = 0; i < 3; i++) {
        await publish(acct.accountId, acct.wa);
        await publish(acct.accountId, acct.tg);
        await publish(other.accountId, other.tg);
      }
      await eventually(() => pushed.length === 3, 'three failed attempts');
      await eventually(async () => (await gw.core.logs.list(other.accountId)).items.length === 1 + 3, "the other account's attempts");
      await eventually(async () => (await gw.core.logs.list(acct.accountId, { filter: { test: false } })).items.length === 6, 'all six attempts');
      // A fence: one more matching attempt, announced after all the others; anything extra
      // (a duplicate, another account's attempt) would have been pushed before it.
      await publish(acct.accountId, acct.tg);
      await eventually(() => pushed.length >= 4, 'the fence attempt');
      expect(failure).toBeNull();
      expect(pushed.map((p) => p.a)).toEqual(Array(4).fill({ id: expect.any(String), webhookName: '/acme/fail', outcome: 'FAILED', httpCode: 500, test: false, diagnosis: { code: 'server_error' } }));
      const ids = new Set(pushed.map((p) => p.a.id));
      const logged = await gw.core.logs.list(acct.accountId, { filter: { statuses: ['failed'], test: false } });
      expect(new Set(logged.items.map((a) => a.id))).toEqual(ids);
    } finally {
      await client.dispose();
      await worker.stop();
    }
  });

  it('a connection without a key is closed with 4403 before any operation; a bad filter is BAD_USER_INPUT', async () => {
    const anonymous = wsClient(api.http);
    const closed = await new Promise<unknown>((resolve) => {
      anonymous.subscribe({ query: `subscription { deliveryAttempts { id } }` }, { next: (m) => resolve(m.errors), error: resolve, complete: () => resolve('completed') });
    });
    expect(closed).toMatchObject({ code: 4403, reason: 'Forbidden' });
    await anonymous.dispose();

    const client = wsClient(api.http, acct.apiKey);
    const bad = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: `subscription { deliveryAttempts(filter: { deviceSearch: "${'x'.repeat(101)}" }) { id } }` }, { next: (m) => resolve(m.errors), error: resolve, complete: () => resolve('completed') });
    });
    expect(bad).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.deviceSearch' }) })]);
    await client.dispose();
  });

  it('endpointStatusChanged pushes Pending test → Active when a test succeeds', async () => {
    const client = wsClient(api.http, acct.apiKey);
    const changes: Array<{ status: string; endpointId: string }> = [];
    client.subscribe<{ endpointStatusChanged: { status: string; endpointId: string } }>(
      { query: `subscription { endpointStatusChanged { endpointId webhookId status } }` },
      { next: (m) => m.data && changes.push(m.data.endpointStatusChanged), error: () => undefined, complete: () => undefined },
    );
    await eventually(() => api.gateway.feeds.endpointStatus.subscribers(acct.accountId) === 1, 'the subscription registered');
    const gql = gqlClient(api.http, acct.apiKey);
    const { saveWebhooks } = await ok(gql<{ saveWebhooks: { endpoints: Array<{ id: string }>; testTargets: Array<{ id: string }> } }>(
      `mutation($input: SaveWebhooksInput!) { saveWebhooks(input: $input) { endpoints { id } testTargets { id } } }`,
      { input: { name: 'Live status', url: `${rx.url}/status`, deviceIds: [acct.waba.id], events: ['MESSAGE_STATUS'] } },
    ));
    await ok(gql(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: saveWebhooks.testTargets[0]!.id }));
    const id = saveWebhooks.endpoints[0]!.id;
    await eventually(() => changes.filter((c) => c.endpointId === id).length === 2, 'two status changes');
    expect(changes.filter((c) => c.endpointId === id).map((c) => c.status)).toEqual(['PENDING_TEST', 'ACTIVE']);
    await client.dispose();
  });
});
