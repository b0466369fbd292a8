import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { eventually } from './helpers/gateway.js';
import { gqlClient, ok, PLATFORM_KEY, startApiGateway } from './helpers/api.js';
import { startReceiver, type Receiver, type Received } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/** Custom headers, signing-key rotation and rate limits, through the GraphQL API against real receivers. */

let api: Awaited<ReturnType<typeof startApiGateway>>;
let rx: Receiver;
let gql: ReturnType<typeof gqlClient>;
let webhookId: string;
let firstKey: string;
let device: { id: string; token: string };
let accountId: string;

const LIVE = 'Kirisan-Webhook/1.0';
const SETTINGS = 'webhookId customHeaders { name valueHint } rateLimit previousKeyUntil';

beforeAll(async () => {
  api = await startApiGateway();
  rx = await startReceiver();
  const platform = gqlClient(api.http, PLATFORM_KEY);
  const { createAccount } = await ok(platform<{ createAccount: { apiKey: string; account: { id: string } } }>(`mutation { createAccount(name: "Acme") { apiKey account { id } } }`));
  gql = gqlClient(api.http, createAccount.apiKey);
  accountId = createAccount.account.id;
  ({ registerDevice: device } = await ok(
    gql<{ registerDevice: { id: string; token: string } }>(`mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id token } }`, {
      i: { channel: 'TELEGRAM', name: 'Helpdesk', identifier: 'acme_help_bot', inboundHandler: 'WEBHOOK' },
    }),
  ));
  const { saveWebhooks } = await ok(
    gql<{ saveWebhooks: { webhookId: string; endpoints: Array<{ signingKey: string }>; testTargets: Array<{ id: string }> } }>(
      `mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId endpoints { signingKey } testTargets { id } } }`,
      { i: { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [device.id], events: ['SUBMISSION'] } },
    ),
  );
  webhookId = saveWebhooks.webhookId;
  firstKey = saveWebhooks.endpoints[0]!.signingKey;
  await ok(gql(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: saveWebhooks.testTargets[0]!.id }));
});
afterAll(async () => {
  await api.close();
  await rx.close();
});

const settings = async () => (await ok(gql<{ webhookDeliverySettings: Record<string, unknown> }>(`query($id: ID!) { webhookDeliverySettings(id: $id) { ${SETTINGS} } }`, { id: webhookId }))).webhookDeliverySettings;
const setHeaders = (headers: Array<{ name: string; value: string }>) =>
  gql<{ setWebhookHeaders: Record<string, unknown> }>(`mutation($id: ID!, $h: [CustomHeaderInput!]!) { setWebhookHeaders(id: $id, headers: $h) { ${SETTINGS} } }`, { id: webhookId, h: headers });
const endpointRows = async () => (await api.gateway.db.pool.query(`select * from endpoint order by id`)).rows;
const targets = async () => (await ok(gql<{ testTargets: Array<{ id: string }> }>(`query($w: ID) { testTargets(webhookId: $w) { id } }`, { w: webhookId }))).testTargets;

/** Publishes one event and returns the live POST it became. */
async function publishAndReceive(): Promise<Received> {
  const before = rx.received.filter((r) => r.headers['user-agent'] === LIVE).length;
  const platform = gqlClient(api.http, PLATFORM_KEY);
  const data = publishedData('submission', await api.gateway.core.devices.get(accountId, device.id));
  await ok(platform(`mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { deliveriesQueued } }`, { t: device.token, d: data }));
  return eventually(() => rx.received.filter((r) => r.headers['user-agent'] === LIVE)[before], 'the live POST');
}

describe('custom headers', () => {
  it.each([
    ['a contract header', [{ name: 'X-Api-Key', value: 'k' }, { name: 'X-Kirisan-Event', value: 'forged' }], 'customHeaders[1].name', /contract header/],
    ['a Standard Webhooks header', [{ name: 'webhook-signature', value: 'v1,forged' }], 'customHeaders[0].name', /contract header/],
    ['the secret header', [{ name: 'X-Webhook-Secret', value: 's' }], 'customHeaders[0].name', /secret/],
    ['User-Agent', [{ name: 'User-Agent', value: 'me' }], 'customHeaders[0].name', /set by the gateway/],
    ['Host', [{ name: 'Host', value: 'evil.example.com' }], 'customHeaders[0].name', /set by the gateway/],
    ['a hop-by-hop header', [{ name: 'Connection', value: 'close' }], 'customHeaders[0].name', /hop-by-hop/],
    ['Transfer-Encoding', [{ name: 'Transfer-Encoding', value: 'chunked' }], 'customHeaders[0].name', /hop-by-hop/],
    ['a name with a space', [{ name: 'X Api', value: 'v' }], 'customHeaders[0].name', /HTTP header name/],
    ['a value with a line break', [{ name: 'X-Api-Key', value: 'line\nbreak' }], 'customHeaders[0].value', /printable ASCII/],
    ['a name twice', [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }], 'customHeaders[1].name', /twice/],
    ['eleven headers', Array.from({ length: 11 }, (_, i) => ({ name: `X-H${i}`, value: 'v' })), 'customHeaders', /at most 10/],
    ['a 1025-character value', [{ name: 'X-Big', value: 'v'.repeat(1025) }], 'customHeaders[0].value', /at most 1024/],
    ['5000 characters in all', Array.from({ length: 5 }, (_, i) => ({ name: `X-H${i}`, value: 'v'.repeat(1000) })), 'customHeaders', /at most 4096 in all/],
  ])('%s is refused, naming the field, and nothing is written', async (_what, headers, field, reason) => {
    const before = await endpointRows();
    const r = await setHeaders(headers);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(r.errors?.[0]?.message).toMatch(reason);
    expect(await endpointRows()).toEqual(before);
  });

  it('saved headers go out on Send test and on live POSTs, show as hints, appear in the preview request, and keep the webhook Active', async () => {
    const saved = await ok(setHeaders([{ name: 'X-Api-Key', value: 'sk_live_1234567890abcd' }, { name: 'X-Tenant', value: 'acme' }]));
    expect(saved.setWebhookHeaders).toEqual({ webhookId, customHeaders: [{ name: 'X-Api-Key', valueHint: '••••abcd' }, { name: 'X-Tenant', valueHint: '••••' }], rateLimit: null, previousKeyUntil: null });
    const list = await ok(gql<{ webhooks: { edges: Array<{ node: { status: string; delivery: Record<string, unknown> } }> } }>(`{ webhooks { edges { node { status delivery { ${SETTINGS} } } } } }`));
    expect(list.webhooks.edges[0]!.node).toEqual({ status: 'ACTIVE', delivery: saved.setWebhookHeaders });

    const [target] = await targets();
    const { testTarget } = await ok(gql<{ testTarget: { requestHeaders: Array<{ name: string; value: string }> } }>(`query($id: ID!) { testTarget(id: $id) { requestHeaders { name value } } }`, { id: target!.id }));
    expect(testTarget.requestHeaders).toEqual(expect.arrayContaining([{ name: 'x-api-key', value: '••••abcd' }, { name: 'x-tenant', value: '••••' }, { name: 'user-agent', value: 'Kirisan-Webhook-Test/1.0' }]));
    expect(JSON.stringify(testTarget)).not.toContain('sk_live_1234567890abcd');

    const sent = rx.received.length;
    await ok(gql(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: target!.id }));
    expect(rx.received[sent]!.headers).toMatchObject({ 'x-api-key': 'sk_live_1234567890abcd', 'x-tenant': 'acme', 'user-agent': 'Kirisan-Webhook-Test/1.0' });
    const live = await publishAndReceive();
    expect(live.headers).toMatchObject({ 'x-api-key': 'sk_live_1234567890abcd', 'x-tenant': 'acme', 'x-kirisan-event': 'submission' });
    // nothing else said the value back
    expect(JSON.stringify(await settings())).not.toContain('sk_live');
  });
});

describe('signing-key rotation with overlap', () => {
  let newKey: string;

  it('during the overlap every POST carries both signatures: verifiers with the old and with the new key accept it', async () => {
    const { rotateWebhookSigningKey: r } = await ok(
      gql<{ rotateWebhookSigningKey: { signingKey: string; previousKeyUntil: string } }>(`mutation($id: ID!) { rotateWebhookSigningKey(id: $id) { signingKey previousKeyUntil } }`, { id: webhookId }),
    );
    newKey = r.signingKey;
    expect(newKey).toMatch(/^whsec_/);
    expect(newKey).not.toBe(firstKey);
    // SIGNING_KEY_OVERLAP's default
    expect(new Date(r.previousKeyUntil).getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
    // the old key is never shown again; the settings say an overlap runs
    expect((await settings()).previousKeyUntil).toBe(r.previousKeyUntil);
    const everything = JSON.stringify(await ok(gql(`{ webhooks { edges { node { delivery { ${SETTINGS} } endpoints { id } } } } }`)));
    expect(everything).not.toContain(firstKey);

    const live = await publishAndReceive();
    expect(String(live.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const key of [firstKey, newKey]) expect(new Webhook(key).verify(live.body, live.headers as Record<string, string>)).toMatchObject({ event: 'submission' });
    const [target] = await targets();
    const sent = rx.received.length;
    await ok(gql(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: target!.id }));
    const test = rx.received[sent]!;
    for (const key of [firstKey, newKey]) expect(new Webhook(key).verify(test.body, test.headers as Record<string, string>)).toMatchObject({ production: false });
  });

  it('after the overlap only the new key signs: the old key’s verifier refuses, the new one accepts', async () => {
    // The overlap's end, reached without waiting a day: the stored end moved to the past.
    await api.gateway.db.pool.query(`update endpoint set previous_signing_key_until = now() - interval '1 second' where webhook_id = $1`, [webhookId]);
    expect((await settings()).previousKeyUntil).toBeNull();
    const live = await publishAndReceive();
    expect(String(live.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new Webhook(newKey).verify(live.body, live.headers as Record<string, string>)).toMatchObject({ event: 'submission' });
    expect(() => new Webhook(firstKey).verify(live.body, live.headers as Record<string, string>)).toThrow();
  });
});

describe('rate limit settings', () => {
  const setRate = (perSecond: unknown) => gql<{ setWebhookRateLimit: Record<string, unknown> }>(`mutation($id: ID!, $n: Int) { setWebhookRateLimit(id: $id, perSecond: $n) { ${SETTINGS} } }`, { id: webhookId, n: perSecond });

  it.each([[0], [-5], [10_001]])('%i per second is refused, naming the field, and nothing is written', async (n) => {
    const before = await endpointRows();
    const r = await setRate(n);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'perSecond' });
    expect(await endpointRows()).toEqual(before);
  });

  it('a limit shows in the list and the details; null removes it', async () => {
    expect((await ok(setRate(50))).setWebhookRateLimit).toMatchObject({ rateLimit: 50 });
    const list = await ok(gql<{ webhooks: { edges: Array<{ node: { delivery: { rateLimit: number } } }> } }>(`{ webhooks { edges { node { delivery { rateLimit } } } } }`));
    expect(list.webhooks.edges[0]!.node.delivery.rateLimit).toBe(50);
    expect((await settings()).rateLimit).toBe(50);
    expect((await ok(setRate(null))).setWebhookRateLimit).toMatchObject({ rateLimit: null });
  });
});
