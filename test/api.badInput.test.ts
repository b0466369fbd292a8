import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, PLATFORM_KEY, startApiGateway } from './helpers/api.js';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let webhookId: string;

async function tables() {
  const { rows } = await gw.db.pool.query(`
    select (select count(*) from account) a, (select count(*) from api_key where revoked_at is null) k,
           (select string_agg(name || identifier || inbound_handler, ';' order by id) from device) d,
           (select string_agg(name || url || status || coalesce(secret, '') || array_to_string(events, ','), ';' order by id) from endpoint) e,
           (select count(*) from endpoint_device) ed, (select count(*) from event) ev, (select count(*) from delivery) dl, (select count(*) from attempt) at`);
  return rows[0];
}

beforeAll(async () => {
  api = await startApiGateway({ ROLES: 'api', ALLOW_PRIVATE_TARGETS: 'false' });
  gw = await startTestGateway({ ALLOW_PRIVATE_TARGETS: 'false' }, { url: api.dbUrl });
  acct = await seedAccount(gw.core);
  webhookId = (await gw.core.webhooks.save(acct.accountId, { name: 'CRM', url: 'https://crm.example.com/k', deviceIds: [acct.wa.id], events: ['submission'] })).webhookId;
});
afterAll(async () => {
  await gw.close();
  await api.close();
});

const save = `mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId } }`;
const update = `mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { webhookId } }`;
const input = (over: Record<string, unknown>) => ({ name: 'CRM', url: 'https://crm.example.com/k', deviceIds: [acct.wa.id], events: ['SUBMISSION'], ...over });

const cases: Array<[string, 'platform' | 'account', string, () => Record<string, unknown>, string, string | undefined]> = [
  ['createAccount with an empty name', 'platform', `mutation { createAccount(name: "  ") { apiKey } }`, () => ({}), 'BAD_USER_INPUT', 'name'],
  ['createApiKey with an empty label', 'account', `mutation { createApiKey(input: { label: "" }) { apiKey } }`, () => ({}), 'BAD_USER_INPUT', 'label'],
  ['revokeApiKey of the last key', 'account', `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, () => ({ id: 'last' }), 'CONFLICT', 'id'],
  ['registerDevice with a bad phone number', 'account', `mutation { registerDevice(input: { channel: WHATSAPP, name: "x", identifier: "call me", inboundHandler: WEBHOOK }) { id } }`, () => ({}), 'BAD_USER_INPUT', 'identifier'],
  ['registerDevice with an unknown channel', 'account', `mutation { registerDevice(input: { channel: EMAIL, name: "x", identifier: "1", inboundHandler: WEBHOOK }) { id } }`, () => ({}), 'GRAPHQL_VALIDATION_FAILED', undefined],
  ['updateDevice with a bad bot name', 'account', `mutation($id: ID!) { updateDevice(id: $id, input: { identifier: "no spaces bot" }) { id } }`, () => ({ id: acct.tg.id }), 'BAD_USER_INPUT', 'identifier'],
  ['saveWebhooks with a private URL', 'account', save, () => ({ i: input({ url: 'http://192.168.1.10/hook' }) }), 'BAD_USER_INPUT', 'url'],
  ['saveWebhooks with an ftp URL', 'account', save, () => ({ i: input({ url: 'ftp://x.example.com' }) }), 'BAD_USER_INPUT', 'url'],
  ['saveWebhooks with a 513-character secret', 'account', save, () => ({ i: input({ secret: 'x'.repeat(513) }) }), 'BAD_USER_INPUT', 'secret'],
  ['saveWebhooks with no devices', 'account', save, () => ({ i: input({ deviceIds: [] }) }), 'BAD_USER_INPUT', 'deviceIds'],
  ['saveWebhooks with no events', 'account', save, () => ({ i: input({ events: [] }) }), 'BAD_USER_INPUT', 'events'],
  ['saveWebhooks with MESSAGE_STATUS and no WABA device', 'account', save, () => ({ i: input({ events: ['MESSAGE_STATUS'] }) }), 'BAD_USER_INPUT', 'events'],
  ['saveWebhooks with an unknown event', 'account', save, () => ({ i: input({ events: ['ORDER_PAID'] }) }), 'BAD_USER_INPUT', undefined],
  ['updateWebhook with an empty name', 'account', update, () => ({ id: webhookId, i: input({ name: '' }) }), 'BAD_USER_INPUT', 'name'],
  ['updateWebhook of an unknown webhook', 'account', update, () => ({ id: '00000000-0000-4000-8000-000000000000', i: input({}) }), 'NOT_FOUND', 'id'],
  ['deleteWebhook of an unknown webhook', 'account', `mutation { deleteWebhook(id: "nope") { deletedEndpointIds } }`, () => ({}), 'NOT_FOUND', 'id'],
  ['sendTest of an unknown target', 'account', `mutation { sendTest(targetId: "tt_nope") { success } }`, () => ({}), 'NOT_FOUND', 'targetId'],
  ['publishEvent with malformed data', 'account', `mutation($t: String!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: { answers: 3 }) { eventId } }`, () => ({ t: acct.wa.token }), 'BAD_USER_INPUT', 'data.submission'],
  ['publishEvent of message_status from WhatsApp', 'account', `mutation($t: String!) { publishEvent(deviceToken: $t, event: MESSAGE_STATUS, data: {}) { eventId } }`, () => ({ t: acct.wa.token }), 'BAD_USER_INPUT', 'channel'],
  ['publishEvent with an unknown device', 'platform', `mutation { publishEvent(deviceToken: "dev_nope", event: SUBMISSION, data: {}) { eventId } }`, () => ({}), 'NOT_FOUND', 'deviceToken'],
  ['redeliver of an unknown delivery', 'account', `mutation { redeliver(deliveryId: "123456") { queued } }`, () => ({}), 'NOT_FOUND', 'deliveryId'],
  ['redeliverFailed with until before since', 'account', `mutation($id: ID!) { redeliverFailed(endpointId: $id, since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z") { queued } }`, () => ({ id: webhookId }), 'BAD_USER_INPUT', 'since'],
];

describe('bad input through the API: a typed error naming the field, and nothing written', () => {
  it.each(cases)('%s', async (_what, who, query, vars, code, field) => {
    if (query.includes('revokeApiKey')) {
      const keys = await gw.core.accounts.listApiKeys(acct.accountId);
      vars = () => ({ id: keys[0]!.id });
    }
    const before = await tables();
    const r = await gqlClient(api.http, who === 'platform' ? PLATFORM_KEY : acct.apiKey)(query, vars());
    expect(r.data?.[Object.keys(r.data ?? {})[0] ?? ''] ?? null).toBeNull();
    expect(r.errors?.[0]?.extensions?.code).toBe(code);
    if (field) expect(r.errors?.[0]?.extensions?.field).toBe(field);
    expect(r.errors?.[0]?.message.length).toBeGreaterThan(10);
    expect(await tables()).toEqual(before);
  });
});
