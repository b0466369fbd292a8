import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, ok, startApiGateway } from './helpers/api.js';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let other: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  api = await startApiGateway({ ROLES: 'api' });
  gw = await startTestGateway({}, { url: api.dbUrl });
  acct = await seedAccount(gw.core, 'Acme');
  other = await seedAccount(gw.core, 'Other');
});
afterAll(async () => {
  await gw.close();
  await api.close();
});

describe('admin chats and alert mutes through the API', () => {
  it('a link code from the API links a Telegram chat to the account, once', async () => {
    const gql = gqlClient(api.http, acct.apiKey);
    const { createChatLinkCode } = await ok(gql<{ createChatLinkCode: { code: string; startCommand: string; expiresAt: string } }>(`mutation { createChatLinkCode { code startCommand expiresAt } }`));
    expect(createChatLinkCode.startCommand).toBe(`/start ${createChatLinkCode.code}`);
    expect(new Date(createChatLinkCode.expiresAt).getTime()).toBeGreaterThan(Date.now());
    // what the bot does with `/start <code>`
    await gw.core.admins.link({ chatId: '424242', code: createChatLinkCode.code, title: 'Ops' });
    expect((await ok(gql<{ adminChats: unknown[] }>(`{ adminChats { chatId title } }`))).adminChats).toEqual([{ chatId: '424242', title: 'Ops' }]);
    await expect(gw.core.admins.link({ chatId: '777', code: createChatLinkCode.code })).rejects.toMatchObject({ name: 'CoreError' });
    expect((await ok(gqlClient(api.http, other.apiKey)<{ adminChats: unknown[] }>(`{ adminChats { chatId } }`))).adminChats).toEqual([]);
  });

  it('alerts of an endpoint can be muted for 1 or 24 hours, and only on the account\'s own endpoints', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'CRM', url: 'https://crm.example.com/k', deviceIds: [acct.wa.id], events: ['submission'] });
    const endpointId = saved.endpoints[0]!.id;
    const gql = gqlClient(api.http, acct.apiKey);
    const muted = await ok(gql<{ muteEndpointAlerts: { mutedUntil: string } }>(`mutation($id: ID!) { muteEndpointAlerts(endpointId: $id, hours: 24) { endpointId mutedUntil } }`, { id: endpointId }));
    expect(new Date(muted.muteEndpointAlerts.mutedUntil).getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const wrong = await gql(`mutation($id: ID!) { muteEndpointAlerts(endpointId: $id, hours: 2) { mutedUntil } }`, { id: endpointId });
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hours' });
    const foreign = await gqlClient(api.http, other.apiKey)(`mutation($id: ID!) { muteEndpointAlerts(endpointId: $id, hours: 1) { mutedUntil } }`, { id: endpointId });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await ok(gql<{ unmuteEndpointAlerts: { mutedUntil: null } }>(`mutation($id: ID!) { unmuteEndpointAlerts(endpointId: $id) { mutedUntil } }`, { id: endpointId }))).unmuteEndpointAlerts.mutedUntil).toBeNull();
  });
});
