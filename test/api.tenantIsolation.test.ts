import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, ok, PLATFORM_KEY, startApiGateway, type GqlResult } from './helpers/api.js';
import { tableSnapshot } from './helpers/fixture.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import type { DeviceView } from '../src/core/registry/devices.js';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let rx: Receiver;
let mallory: ReturnType<typeof gqlClient>;
const victim = { apiKeyId: '', deviceId: '', deviceToken: '', webhookId: '', endpointId: '', targetId: '', attemptId: '', deliveryId: '' };

const snapshot = () => tableSnapshot(gw.db);

beforeAll(async () => {
  // No workers or alerts in the API process: the one live delivery is made by this test's
  // worker, stopped once it is recorded, so nothing changes the tables behind a test's back.
  api = await startApiGateway({ ROLES: 'api', RETRY_SCHEDULE: 'none' });
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' }, { url: api.dbUrl });
  const worker = gw.startWorker();
  rx = await startReceiver();
  const platform = gqlClient(api.http, PLATFORM_KEY);
  const a = await ok(platform<{ createAccount: { apiKey: string } }>(`mutation { createAccount(name: "Victim") { apiKey } }`));
  const b = await ok(platform<{ createAccount: { apiKey: string } }>(`mutation { createAccount(name: "Mallory") { apiKey } }`));
  mallory = gqlClient(api.http, b.createAccount.apiKey);
  const gql = gqlClient(api.http, a.createAccount.apiKey);
  victim.apiKeyId = (await ok(gql<{ apiKeys: Array<{ id: string }> }>(`{ apiKeys { id } }`))).apiKeys[0]!.id;
  const device = (await ok(gql<{ registerDevice: DeviceView }>(`mutation { registerDevice(input: { channel: TELEGRAM, name: "Bot", identifier: "victim_bot", inboundHandler: WEBHOOK }) { id token channel name identifier } }`))).registerDevice;
  Object.assign(victim, { deviceId: device.id, deviceToken: device.token });
  const saved = (await ok(gql<{ saveWebhooks: { webhookId: string; endpoints: Array<{ id: string }>; testTargets: Array<{ id: string }> } }>(
    `mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId endpoints { id } testTargets { id } } }`,
    { i: { name: 'Private', url: `${rx.url}/victim`, deviceIds: [device.id], events: ['SUBMISSION'] } },
  ))).saveWebhooks;
  Object.assign(victim, { webhookId: saved.webhookId, endpointId: saved.endpoints[0]!.id, targetId: saved.testTargets[0]!.id });
  await ok(gql(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: victim.targetId }));
  await ok(gql(`mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId } }`, { t: device.token, d: publishedData('submission', { ...device, channel: 'telegram', label: '', accountId: '', inboundHandler: 'webhook' }) }));
  const live = await eventually(async () => (await gw.core.logs.list((await gw.core.accounts.authenticate(a.createAccount.apiKey) as { accountId: string }).accountId, { filter: { test: false } })).items[0]);
  Object.assign(victim, { attemptId: live.id, deliveryId: live.deliveryId });
  await worker.stop();
});
afterAll(async () => {
  await gw.close();
  await api.close();
  await rx.close();
});

const attempts: Array<[string, string, () => Record<string, unknown>]> = [
  ['device', `query($id: ID!) { device(id: $id) { id } }`, () => ({ id: victim.deviceId })],
  ['updateDevice', `mutation($id: ID!) { updateDevice(id: $id, input: { name: "pwned" }) { id } }`, () => ({ id: victim.deviceId })],
  ['webhookEndpoints', `query($id: ID!) { webhookEndpoints(id: $id) { id } }`, () => ({ id: victim.webhookId })],
  ['webhookSigningKey', `query($id: ID!) { webhookSigningKey(id: $id) }`, () => ({ id: victim.endpointId })],
  ['updateWebhook', `mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { webhookId } }`, () => ({ id: victim.webhookId, i: { name: 'x', url: 'https://evil.example.com/', deviceIds: [victim.deviceId], events: ['SUBMISSION'] } })],
  ['deleteWebhook', `mutation($id: ID!) { deleteWebhook(id: $id) { deletedEndpointIds } }`, () => ({ id: victim.webhookId })],
  ['testTargets', `query($id: ID!) { testTargets(webhookId: $id) { id } }`, () => ({ id: victim.webhookId })],
  ['testTarget', `query($id: ID!) { testTarget(id: $id) { payloadPreview } }`, () => ({ id: victim.targetId })],
  ['sendTest', `mutation($id: ID!) { sendTest(targetId: $id) { success } }`, () => ({ id: victim.targetId })],
  ['attempt', `query($id: ID!) { attempt(id: $id) { id } }`, () => ({ id: victim.attemptId })],
  ['troubleshoot', `query($id: ID!) { troubleshoot(endpointId: $id) { healthy } }`, () => ({ id: victim.endpointId })],
  ['redeliver', `mutation($id: ID!) { redeliver(deliveryId: $id) { queued } }`, () => ({ id: victim.deliveryId })],
  ['redeliverFailed', `mutation($id: ID!) { redeliverFailed(endpointId: $id, since: "2020-01-01T00:00:00Z") { queued } }`, () => ({ id: victim.endpointId })],
  ['revokeApiKey', `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, () => ({ id: victim.apiKeyId })],
  ['publishEvent', `mutation($t: String!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: {}) { eventId } }`, () => ({ t: victim.deviceToken })],
];

describe("another account's ids", () => {
  it.each(attempts)('%s answers NOT_FOUND and changes nothing', async (_op, query, vars) => {
    const before = await snapshot();
    const r: GqlResult = await mallory(query, vars());
    expect(r.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    expect(JSON.stringify(r.errors)).not.toContain('Victim');
    expect(await snapshot()).toEqual(before);
  });

  it("saving a webhook with another account's device is refused as bad input", async () => {
    const before = await snapshot();
    const r = await mallory(`mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId } }`, { i: { name: 'x', url: 'https://ok.example.com/', deviceIds: [victim.deviceId], events: ['SUBMISSION'] } });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'deviceIds' });
    expect(await snapshot()).toEqual(before);
  });

  it('lists and logs show nothing of the other account', async () => {
    const r = await ok(mallory<{ webhooks: { edges: unknown[] }; deliveryLogs: { edges: unknown[] }; devices: unknown[]; testTargets: unknown[]; webhookSummary: { active: number } }>(
      `{ webhooks { edges { node { id } } } deliveryLogs { edges { node { id } } } devices { id } testTargets { id } webhookSummary { active } }`,
    ));
    expect(r).toEqual({ webhooks: { edges: [] }, deliveryLogs: { edges: [] }, devices: [], testTargets: [], webhookSummary: { active: 0 } });
  });
});
