import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { gqlClient, ok, startApiGateway, type GqlResult } from './helpers/api.js';
import { createVault, parseKey, SEALED } from '../src/core/security/vault.js';
import { seedAccount, TEST_ENCRYPTION_KEY } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { startFakeTelegram, type ChatMessage, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * Edits keep what they do not change (updateWebhook is a patch: the secret, which is never shown
 * again, stays unless it is replaced or removed explicitly), and a webhook is one name + URL +
 * secret group: the list, the device count and the summary count the same thing. Through the
 * GraphQL API and the bot, against a real receiver.
 */

let api: Awaited<ReturnType<typeof startApiGateway>>;
let tg: FakeTelegram;
let bot: TelegramBot;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let gql: ReturnType<typeof gqlClient>;
const ADMIN = 9101;

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver();
  api = await startApiGateway({ ...botEnv(tg), RETRY_SCHEDULE: 'none' });
  acct = await seedAccount(api.gateway.core);
  gql = gqlClient(api.http, acct.apiKey);
  bot = await startTestBot(api.gateway.config, api.gateway.core);
  await linkChat(tg, api.gateway.core, acct.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await api?.close();
  await tg?.close();
  await rx?.close();
});

const SAVE = `mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId endpoints { id status secretHint } testTargets { id } } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { webhookId endpoints { id name url status secretHint events } } }`;
type Saved = { saveWebhooks: { webhookId: string; endpoints: Array<{ id: string; status: string; secretHint: string | null }>; testTargets: Array<{ id: string }> } };
type Updated = { updateWebhook: { webhookId: string; endpoints: Array<{ id: string; name: string; url: string; status: string; secretHint: string | null; events: string[] }> } };

/** Save → test through the API; the webhook is Active afterwards. */
async function saveActive(input: Record<string, unknown>): Promise<string> {
  const { saveWebhooks } = await ok(gql<Saved>(SAVE, { i: input }));
  const { sendTest } = await ok(gql<{ sendTest: { success: boolean } }>(`mutation($t: ID!) { sendTest(targetId: $t) { success } }`, { t: saveWebhooks.testTargets[0]!.id }));
  expect(sendTest.success).toBe(true);
  return saveWebhooks.webhookId;
}

/** The secret every endpoint of the webhook stores, opened (secrets are sealed at rest, each with its own IV). */
async function storedSecret(webhookId: string): Promise<string[]> {
  const vault = createVault({ current: parseKey(TEST_ENCRYPTION_KEY) });
  const { rows } = await api.gateway.db.pool.query<{ secret: string | null }>('select secret from endpoint where webhook_id = $1', [webhookId]);
  return [...new Set(rows.map((r) => (r.secret === null ? '(none)' : vault.open(r.secret, SEALED.secret))))];
}

/** Publishes one submission from the WhatsApp line and returns the POST the receiver got. */
async function liveSubmission() {
  const before = rx.received.length;
  const r = await api.gateway.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
  expect(r.deliveriesQueued).toBe(1);
  await rx.waitFor(before + 1);
  return rx.received.at(-1)!;
}

function refusal(r: GqlResult) {
  expect(r.data ?? null).toBeNull();
  return r.errors?.[0]?.extensions;
}

describe('updateWebhook is a patch (GraphQL)', () => {
  let webhookId: string;

  it('a rename without the secret keeps the secret and the Active status; the next POST still carries X-Webhook-Secret', async () => {
    webhookId = await saveActive({ name: 'CRM', url: `${rx.url}/crm`, secret: 'crm-secret-1', deviceIds: [acct.wa.id], events: ['SUBMISSION'] });
    const { updateWebhook } = await ok(gql<Updated>(UPDATE, { id: webhookId, i: { name: 'CRM renamed' } }));
    expect(updateWebhook.endpoints).toEqual([{ id: expect.any(String), name: 'CRM renamed', url: `${rx.url}/crm`, status: 'ACTIVE', secretHint: '••••et-1', events: ['SUBMISSION'] }]);
    expect(await storedSecret(webhookId)).toEqual(['crm-secret-1']);
    const post = await liveSubmission();
    expect(post.headers['x-webhook-secret']).toBe('crm-secret-1');
  });

  it('sending back the stored URL, devices and events (without the secret) is no change: still Active', async () => {
    const { updateWebhook } = await ok(gql<Updated>(UPDATE, { id: webhookId, i: { name: 'CRM renamed', url: `${rx.url}/crm`, deviceIds: [acct.wa.id], events: ['SUBMISSION'], secret: null } }));
    expect(updateWebhook.endpoints.map((e) => [e.status, e.secretHint])).toEqual([['ACTIVE', '••••et-1']]);
  });

  it('setting the same secret again is no change either; a new secret is, and goes back to Pending test', async () => {
    const same = await ok(gql<Updated>(UPDATE, { id: webhookId, i: { secret: 'crm-secret-1' } }));
    expect(same.updateWebhook.endpoints[0]!.status).toBe('ACTIVE');
    const changed = await ok(gql<Updated>(UPDATE, { id: webhookId, i: { secret: 'crm-secret-2' } }));
    expect(changed.updateWebhook.endpoints[0]).toMatchObject({ status: 'PENDING_TEST', secretHint: '••••et-2' });
    expect(await storedSecret(webhookId)).toEqual(['crm-secret-2']);
  });

  it('removing the secret is explicit (removeSecret: true); then no X-Webhook-Secret is sent', async () => {
    const { updateWebhook } = await ok(gql<Updated>(UPDATE, { id: webhookId, i: { removeSecret: true } }));
    expect(updateWebhook.endpoints[0]).toMatchObject({ status: 'PENDING_TEST', secretHint: null });
    expect(await storedSecret(webhookId)).toEqual(['(none)']);
    const { testTargets } = await ok(gql<{ testTargets: Array<{ id: string }> }>(`query($w: ID!) { testTargets(webhookId: $w) { id } }`, { w: webhookId }));
    await ok(gql(`mutation($t: ID!) { sendTest(targetId: $t) { success } }`, { t: testTargets[0]!.id }));
    const post = await liveSubmission();
    expect(post.headers['x-webhook-secret']).toBeUndefined();
  });

  it('a new secret together with removeSecret, or an empty secret, is refused and changes nothing', async () => {
    await ok(gql<Updated>(UPDATE, { id: webhookId, i: { secret: 'crm-secret-3' } }));
    const both = refusal(await gql(UPDATE, { id: webhookId, i: { secret: 'other', removeSecret: true } }));
    expect(both).toMatchObject({ code: 'BAD_USER_INPUT', field: 'removeSecret' });
    const empty = refusal(await gql(UPDATE, { id: webhookId, i: { secret: '   ' } }));
    expect(empty).toMatchObject({ code: 'BAD_USER_INPUT', field: 'secret' });
    expect(await storedSecret(webhookId)).toEqual(['crm-secret-3']);
  });

  it('only what changed goes back to Pending test: adding a Telegram device leaves the WhatsApp endpoint Active', async () => {
    const id = await saveActive({ name: 'Grow', url: `${rx.url}/grow`, secret: 'grow-secret', deviceIds: [acct.wa.id], events: ['SUBMISSION'] });
    const { updateWebhook } = await ok(gql<Updated>(UPDATE, { id, i: { deviceIds: [acct.wa.id, acct.tg.id] } }));
    expect(updateWebhook.endpoints.map((e) => [e.status, e.secretHint, e.events]).sort()).toEqual([
      ['ACTIVE', '••••cret', ['SUBMISSION']],
      ['PENDING_TEST', '••••cret', ['SUBMISSION']],
    ]);
  });
});

describe('a webhook is one name + URL + secret group', () => {
  type Rows = { webhooks: { edges: Array<{ node: { id: string; name: string; deviceCount: number } }> }; webhookSummary: { webhooks: number; deviceLinks: number } };
  const LIST = `{ webhooks(first: 100) { edges { node { id name deviceCount } } } webhookSummary { webhooks deviceLinks } }`;

  it('a second save of the same name, URL and secret is refused as a duplicate naming the webhook, and writes nothing', async () => {
    const input = { name: 'Twice', url: `${rx.url}/twice`, secret: 'twice-secret', deviceIds: [acct.wa.id], events: ['SUBMISSION'] };
    const first = (await ok(gql<Saved>(SAVE, { i: input }))).saveWebhooks.webhookId;
    const before = await ok(gql<Rows>(LIST));
    const r = await gql(SAVE, { i: { ...input, deviceIds: [acct.tg.id] } });
    expect(refusal(r)).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(r.errors![0]!.message).toContain(first);
    expect(await ok(gql<Rows>(LIST))).toEqual(before);
  });

  let pairA: string;
  let pairB: string;

  it('the same name and URL with another secret is another webhook: the list and the summary both count two', async () => {
    const base = { name: 'Pair', url: `${rx.url}/pair`, deviceIds: [acct.wa.id, acct.tg.id], events: ['SUBMISSION'] };
    pairA = (await ok(gql<Saved>(SAVE, { i: { ...base, secret: 'pair-a' } }))).saveWebhooks.webhookId;
    pairB = (await ok(gql<Saved>(SAVE, { i: { ...base, secret: 'pair-b' } }))).saveWebhooks.webhookId;
    const { webhooks, webhookSummary } = await ok(gql<Rows>(LIST));
    expect(webhooks.edges.filter((e) => e.node.name === 'Pair').map((e) => e.node.deviceCount)).toEqual([2, 2]);
    expect(webhookSummary.webhooks).toBe(webhooks.edges.length);
    expect(webhookSummary.deviceLinks).toBe(webhooks.edges.reduce((n, e) => n + e.node.deviceCount, 0));
  });

  it('an edit that would make one webhook the same group as another is refused; renaming to a free name is not', async () => {
    const before = await ok(gql<Rows>(LIST));
    const r = await gql(UPDATE, { id: pairB, i: { secret: 'pair-a' } });
    expect(refusal(r)).toMatchObject({ code: 'CONFLICT', field: 'name' });
    expect(r.errors![0]!.message).toContain(pairA);
    expect(await ok(gql<Rows>(LIST))).toEqual(before);
    expect(await storedSecret(pairB)).toEqual(['pair-b']);
    await ok(gql<Updated>(UPDATE, { id: pairB, i: { name: 'Pair B', secret: 'pair-a' } }));
  });
});

describe('edits through the bot keep what they do not change', () => {
  const labels = (m: ChatMessage) => m.buttons.flat().map((b) => b.text);
  const edited = (m: ChatMessage, test: (x: ChatMessage) => boolean) => {
    const version = m.version;
    return tg.waitFor(ADMIN, (x) => x.messageId === m.messageId && x.version > version && test(x));
  };
  async function openEdit(name: string) {
    const since = tg.messages(ADMIN).length;
    tg.send(ADMIN, `/webhooks ${name}`);
    const list = await tg.waitFor(ADMIN, (m) => m.messageId > since && m.text.includes(`Webhooks matching "${name}"`));
    tg.press(list, name);
    const details = await edited(list, (m) => m.text.startsWith(name) && labels(m).includes('✏️ Edit'));
    tg.press(details, '✏️ Edit');
    return edited(details, (m) => m.text.startsWith(`Edit ${name}`));
  }

  it('renaming in chat keeps the secret and the Active status', async () => {
    const id = await saveActive({ name: 'Chat hook', url: `${rx.url}/chat`, secret: 'chat-secret', deviceIds: [acct.waba.id], events: ['SUBMISSION'] });
    const menu = await openEdit('Chat hook');
    tg.press(menu, 'Name');
    await tg.waitFor(ADMIN, 'Reply with the new name');
    const since = tg.messages(ADMIN).length;
    tg.send(ADMIN, 'Chat hook renamed');
    await tg.waitFor(ADMIN, (m) => m.messageId > since && m.text.includes('saved'));
    const [endpoint] = await api.gateway.core.webhooks.endpoints(acct.accountId, id);
    expect(endpoint).toMatchObject({ name: 'Chat hook renamed', status: 'active', secretHint: '••••cret' });
    expect(await storedSecret(id)).toEqual(['chat-secret']);
  });

  it('🚫 No secret removes it, and only then does the webhook need a new test', async () => {
    const [row] = (await api.gateway.core.webhooks.list(acct.accountId, { search: 'Chat hook renamed' })).items;
    const menu = await openEdit('Chat hook renamed');
    tg.press(menu, 'Signing secret');
    const prompt = await edited(menu, (m) => m.text.startsWith('Edit signing secret'));
    expect(prompt.text).toContain('Now: ••••cret');
    tg.press(prompt, '🚫 No secret');
    await edited(prompt, (m) => m.text.includes('saved'));
    const [endpoint] = await api.gateway.core.webhooks.endpoints(acct.accountId, row!.id);
    expect(endpoint).toMatchObject({ status: 'pending_test', secretHint: null });
    expect(await storedSecret(row!.id)).toEqual(['(none)']);
  });
});
