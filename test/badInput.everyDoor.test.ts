import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { catalogue } from '../src/core/catalogue/index.js';
import type { CoreError, ErrorCode } from '../src/core/errors.js';
import { refusalText } from '../src/core/fields.js';
import { eventChoices } from '../src/core/registry/webhookInput.js';
import type { WebhookInput } from '../src/core/registry/webhookInput.js';
import { enumName } from '../src/graphql/enums.js';
import { tableSnapshot, useApiGateway, type ApiFixture } from './helpers/fixture.js';
import { eventually, testConfig } from './helpers/gateway.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { startFakeTelegram, type ChatMessage, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * Bad input, one table, through every door. Core refuses each case with a stable code and the
 * field; GraphQL answers the same refusal (extensions.reason is core's code, the same field and
 * message); the bot answers it at the step of the /add form that asks for that field. No door
 * writes anything: every table is as it was (the bot's own conversation state aside).
 */

// Private targets refused, as in production: the URL guard is part of validation.
const f: ApiFixture = useApiGateway({ env: { ALLOW_PRIVATE_TARGETS: 'false' }, apiEnv: { ROLES: 'api' } });

/** How GraphQL names each core code in extensions.code (the API contract). */
const API_CODE: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'BAD_USER_INPUT',
  INVALID_URL: 'BAD_USER_INPUT',
  PRIVATE_TARGET_REFUSED: 'BAD_USER_INPUT',
  BAD_CURSOR: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
};

// Ids the cases name, read once the accounts are seeded.
let webhookId: string;
let endpointId: string;
let targetId: string;
let keyId: string;
let tg: FakeTelegram;
let bot: TelegramBot;
const ADMIN = 7001;

beforeAll(async () => {
  // Another name and URL than the form's, so that no case is also a copy of a stored webhook.
  const saved = await f.gw.core.webhooks.save(f.acct.accountId, { ...good(), name: 'Stored', url: 'https://stored.example.com/kirisan' });
  webhookId = saved.webhookId;
  endpointId = saved.endpoints[0]!.id;
  targetId = (await f.gw.core.tests.targets(f.acct.accountId, { webhookId }))[0]!.id;
  keyId = (await f.gw.core.accounts.listApiKeys(f.acct.accountId))[0]!.id;
  tg = await startFakeTelegram();
  bot = await startTestBot(testConfig({ DATABASE_URL: f.dbUrl, ALLOW_PRIVATE_TARGETS: 'false', ...botEnv(tg) }), f.gw.core);
  await linkChat(tg, f.gw.core, f.acct.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await tg?.close();
});

/** The bot keeps each chat's half-filled form in chat_session: that is the conversation, not the account's data. */
const snapshot = () => tableSnapshot(f.gw.db, { except: ['chat_session'] });

/** Runs a call that core must refuse; checks that nothing changed and hands back the refusal. */
async function refusal(run: () => Promise<unknown>): Promise<CoreError> {
  const before = await snapshot();
  const error = await run().then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as CoreError,
  );
  expect(error.name).toBe('CoreError');
  expect(await snapshot()).toEqual(before);
  return error;
}

type Caller = 'acme' | 'other' | 'platform';

/** Sends a GraphQL request as Acme (or Other, or the platform); checks the answer is `expected` and nothing changed. */
async function throughGraphQL(query: string, variables: Record<string, unknown>, expected: CoreError | 'refused by the schema', as: Caller = 'acme') {
  const before = await snapshot();
  const r = await { acme: f.gql, other: f.otherGql, platform: f.platform }[as](query, variables);
  expect(Object.values(r.data ?? {}).filter((v) => v !== null)).toEqual([]);
  if (expected === 'refused by the schema') {
    // A value GraphQL's own types cannot carry (an unknown enum value) never reaches core:
    // refused as a bad variable, or as an invalid document when written in the query.
    expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(r.errors?.[0]?.extensions?.code);
    expect(r.errors?.[0]?.extensions?.reason).toBeUndefined();
  } else {
    expect(r.errors?.[0]).toMatchObject({ message: expected.message, extensions: { code: API_CODE[expected.code], reason: expected.code, ...(expected.field ? { field: expected.field } : {}) } });
  }
  expect(await snapshot()).toEqual(before);
}

// ---------------------------------------------------------------------------------------------
// The New webhook form: Save → test in core and GraphQL (new and edited), /add in the bot.

function good(): WebhookInput {
  return { name: 'CRM', url: 'https://hooks.example.com/kirisan', secret: null, deviceIds: [f.acct.wa.id], events: ['submission'] };
}

/** Devices as the cases name them: Acme's own, Other's Telegram bot, and an id that is not one. */
type DeviceRef = 'wa' | 'tg' | 'waba' | "other's" | 'not an id';
const OWN: DeviceRef[] = ['wa', 'tg', 'waba'];
const deviceId = (ref: DeviceRef) => (ref === "other's" ? f.other.tg.id : ref === 'not an id' ? 'nope' : f.acct[ref].id);

/** What a case changes in the good form. */
type Change = Partial<Omit<WebhookInput, 'deviceIds'>> & { devices?: DeviceRef[] };
type FormCase = [what: string, change: Change, code: ErrorCode, field: string];

const formCases: FormCase[] = [
  ['an empty name', { name: '  ' }, 'VALIDATION_FAILED', 'name'],
  ['a 101-character name', { name: 'x'.repeat(101) }, 'VALIDATION_FAILED', 'name'],
  ['a URL that is not a URL', { url: 'not a url' }, 'INVALID_URL', 'url'],
  ['an ftp:// URL', { url: 'ftp://files.example.com/x' }, 'INVALID_URL', 'url'],
  ['a URL with credentials', { url: 'https://user:pw@hooks.example.com/' }, 'INVALID_URL', 'url'],
  ['a URL on a private network', { url: 'https://internal.example.com/hook' }, 'PRIVATE_TARGET_REFUSED', 'url'],
  ['a private IP address', { url: 'http://192.168.1.10/hook' }, 'PRIVATE_TARGET_REFUSED', 'url'],
  ['a 513-character secret', { secret: 's'.repeat(513) }, 'VALIDATION_FAILED', 'secret'],
  ['a secret with a line break', { secret: 'abc\r\nX-Evil: 1' }, 'VALIDATION_FAILED', 'secret'],
  ['no device', { devices: [] }, 'VALIDATION_FAILED', 'deviceIds'],
  ['the same device twice', { devices: ['wa', 'wa'] }, 'VALIDATION_FAILED', 'deviceIds'],
  ["another account's device", { devices: ['wa', "other's"] }, 'VALIDATION_FAILED', 'deviceIds'],
  ['a device id that is not an id', { devices: ['not an id'] }, 'VALIDATION_FAILED', 'deviceIds'],
  ['no event', { events: [] }, 'VALIDATION_FAILED', 'events'],
  ['an unknown event', { events: ['message.deleted'] }, 'VALIDATION_FAILED', 'events[0]'],
  ['submission and its legacy name together', { events: ['submission', 'submission.completed'] }, 'VALIDATION_FAILED', 'events'],
  ['the legacy name submission.completed for a new webhook', { events: ['submission.completed'] }, 'VALIDATION_FAILED', 'events'],
  ['Message status without a WABA device', { events: ['message_status'] }, 'VALIDATION_FAILED', 'events'],
  ['Message status alone with a WhatsApp device beside the WABA one', { devices: ['wa', 'waba'], events: ['message_status'] }, 'VALIDATION_FAILED', 'events'],
];

/** The good form with a case's change. */
const input = ({ devices = ['wa'], ...rest }: Change): WebhookInput => ({ ...good(), ...rest, deviceIds: devices.map(deviceId) });

const asGraphQL = (i: WebhookInput) => ({ ...i, events: i.events.map(enumName) });

/**
 * updateWebhook with the form written in the document (not as a variable): the same refusal
 * whatever the input type is named, and GraphQL literals are checked as variables are.
 */
const updateMutation = (id: string, i: WebhookInput) =>
  `mutation { updateWebhook(id: ${JSON.stringify(id)}, input: { name: ${JSON.stringify(i.name)}, url: ${JSON.stringify(i.url)}, secret: ${JSON.stringify(i.secret ?? null)}, deviceIds: ${JSON.stringify(i.deviceIds)}, events: [${i.events.map(enumName).join(', ')}] }) { webhookId } }`;
/** GraphQL's EventType carries every subscribable name and nothing else. */
const graphQLCarries = (change: Change) => (change.events ?? []).every((e) => catalogue.subscribableNames().includes(e));

/**
 * The bot's form offers the account's own devices (each once) and the events a new webhook may
 * choose: a case outside that cannot be typed or pressed in the chat.
 */
function botCanSay({ devices = ['wa'], events = [] }: Change): boolean {
  return new Set(devices).size === devices.length && devices.every((d) => OWN.includes(d)) && events.every((e) => eventChoices().includes(e));
}

describe('the New webhook form: the same refusal through core, GraphQL and the bot, and nothing written', () => {
  it.each(formCases)('core, saveWebhooks and updateWebhook: %s', async (_what, change, code, field) => {
    for (const run of [() => f.gw.core.webhooks.save(f.acct.accountId, input(change)), () => f.gw.core.webhooks.update(f.acct.accountId, webhookId, input(change))]) {
      const e = await refusal(run);
      expect(e).toMatchObject({ code, field });
      // A message a person can act on: more than the field's name.
      expect(e.message.length).toBeGreaterThan(field.length + 5);
    }
  });

  it.each(formCases)('GraphQL saveWebhooks and updateWebhook: %s', async (_what, change) => {
    const expected = graphQLCarries(change) ? await refusal(() => f.gw.core.webhooks.save(f.acct.accountId, input(change))) : 'refused by the schema';
    await throughGraphQL(`mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId } }`, { i: asGraphQL(input(change)) }, expected);
    await throughGraphQL(updateMutation(webhookId, input(change)), {}, expected);
  });

  it.each(formCases.filter(([, change]) => botCanSay(change)))('the bot’s /add form: %s', async (_what, change, _code, field) => {
    const expected = await refusal(() => f.gw.core.webhooks.save(f.acct.accountId, input(change)));
    const before = await snapshot();
    expect(await addThroughTheBot(input(change), field)).toBe(`❌ ${refusalText(expected)}`);
    await cancelForm();
    expect(await snapshot()).toEqual(before);
  });

  it('every case the bot cannot say is one its form does not offer', () => {
    const unsayable = formCases.filter(([, change]) => !botCanSay(change)).map(([what]) => what);
    expect(unsayable).toEqual([
      'the same device twice',
      "another account's device",
      'a device id that is not an id',
      'an unknown event',
      'submission and its legacy name together',
      'the legacy name submission.completed for a new webhook',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Everything else a door accepts from a caller (the bot offers none of these as free input).

type OperationCase = [
  what: string,
  code: ErrorCode,
  field: string,
  core: () => Promise<unknown>,
  api: { query: string | (() => string); variables?: () => Record<string, unknown>; as?: Caller; schemaRefuses?: true },
];

const device = { channel: 'whatsapp', name: 'Line', identifier: '6281234567890', inboundHandler: 'webhook' } as const;
const since = (ms: number) => new Date(Date.now() + ms);

const operationCases: OperationCase[] = [
  ['createAccount with an empty name', 'VALIDATION_FAILED', 'name', () => f.gw.core.accounts.create({ name: ' ' }), { query: `mutation { createAccount(name: " ") { apiKey } }`, as: 'platform' }],
  ['createApiKey with an empty label', 'VALIDATION_FAILED', 'label', () => f.gw.core.accounts.createApiKey(f.acct.accountId, { label: '' }), { query: `mutation { createApiKey(input: { label: "" }) { apiKey } }` }],
  ['revokeApiKey of the last key', 'CONFLICT', 'id', () => f.gw.core.accounts.revokeApiKey(f.acct.accountId, keyId), { query: `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, variables: () => ({ id: keyId }) }],
  ["revokeApiKey of another account's key", 'NOT_FOUND', 'id', () => f.gw.core.accounts.revokeApiKey(f.other.accountId, keyId), { query: `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, variables: () => ({ id: keyId }), as: 'other' }],
  ['registerDevice with an unknown channel', 'VALIDATION_FAILED', 'channel', () => f.gw.core.devices.register(f.acct.accountId, { ...device, channel: 'email' }), { query: `mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, variables: () => ({ i: { ...device, channel: 'EMAIL', inboundHandler: 'WEBHOOK' } }), schemaRefuses: true }],
  ['registerDevice with a bad phone number', 'VALIDATION_FAILED', 'identifier', () => f.gw.core.devices.register(f.acct.accountId, { ...device, identifier: 'call me' }), { query: `mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, variables: () => ({ i: { ...device, channel: 'WHATSAPP', identifier: 'call me', inboundHandler: 'WEBHOOK' } }) }],
  ['registerDevice with a bad bot name', 'VALIDATION_FAILED', 'identifier', () => f.gw.core.devices.register(f.acct.accountId, { ...device, channel: 'telegram', identifier: 'not a bot' }), { query: `mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, variables: () => ({ i: { ...device, channel: 'TELEGRAM', identifier: 'not a bot', inboundHandler: 'WEBHOOK' } }) }],
  ['registerDevice with an empty name', 'VALIDATION_FAILED', 'name', () => f.gw.core.devices.register(f.acct.accountId, { ...device, name: '' }), { query: `mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, variables: () => ({ i: { ...device, channel: 'WHATSAPP', name: '', inboundHandler: 'WEBHOOK' } }) }],
  ['registerDevice with an unknown inbound handler', 'VALIDATION_FAILED', 'inboundHandler', () => f.gw.core.devices.register(f.acct.accountId, { ...device, inboundHandler: 'inbox' as 'flow' }), { query: `mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { id } }`, variables: () => ({ i: { ...device, channel: 'WHATSAPP', inboundHandler: 'INBOX' } }), schemaRefuses: true }],
  ['updateDevice with a bad bot name', 'VALIDATION_FAILED', 'identifier', () => f.gw.core.devices.update(f.acct.accountId, f.acct.tg.id, { identifier: 'no spaces bot' }), { query: `mutation($id: ID!) { updateDevice(id: $id, input: { identifier: "no spaces bot" }) { id } }`, variables: () => ({ id: f.acct.tg.id }) }],
  ["updateDevice of another account's device", 'NOT_FOUND', 'id', () => f.gw.core.devices.update(f.acct.accountId, f.other.tg.id, { name: 'mine now' }), { query: `mutation($id: ID!) { updateDevice(id: $id, input: { name: "mine now" }) { id } }`, variables: () => ({ id: f.other.tg.id }) }],
  ['deleteWebhook of an unknown webhook', 'NOT_FOUND', 'id', () => f.gw.core.webhooks.delete(f.acct.accountId, 'nope'), { query: `mutation { deleteWebhook(id: "nope") { deletedEndpointIds } }` }],
  ["deleteWebhook of another account's webhook", 'NOT_FOUND', 'id', () => f.gw.core.webhooks.delete(f.other.accountId, webhookId), { query: `mutation($id: ID!) { deleteWebhook(id: $id) { deletedEndpointIds } }`, variables: () => ({ id: webhookId }), as: 'other' }],
  ['updateWebhook of an unknown webhook', 'NOT_FOUND', 'id', () => f.gw.core.webhooks.update(f.acct.accountId, '00000000-0000-4000-8000-000000000000', good()), { query: () => updateMutation('00000000-0000-4000-8000-000000000000', good()) }],
  ["updateWebhook of another account's webhook", 'NOT_FOUND', 'id', () => f.gw.core.webhooks.update(f.other.accountId, webhookId, { ...good(), deviceIds: [f.other.tg.id] }), { query: () => updateMutation(webhookId, { ...good(), deviceIds: [f.other.tg.id] }), as: 'other' }],
  ['webhooks with a search under three characters', 'VALIDATION_FAILED', 'search', () => f.gw.core.webhooks.list(f.acct.accountId, { search: 'ab' }), { query: `{ webhooks(search: "ab") { edges { cursor } } }` }],
  ['webhooks with a page size of 0', 'VALIDATION_FAILED', 'first', () => f.gw.core.webhooks.list(f.acct.accountId, { first: 0 }), { query: `{ webhooks(first: 0) { edges { cursor } } }` }],
  ['webhooks with a page size of 1000', 'VALIDATION_FAILED', 'first', () => f.gw.core.webhooks.list(f.acct.accountId, { first: 1000 }), { query: `{ webhooks(first: 1000) { edges { cursor } } }` }],
  ['webhooks after a cursor that is not one', 'BAD_CURSOR', 'after', () => f.gw.core.webhooks.list(f.acct.accountId, { after: 'garbage' }), { query: `{ webhooks(after: "garbage") { edges { cursor } } }` }],
  ['publishEvent from an unknown device', 'NOT_FOUND', 'deviceToken', () => f.gw.core.dispatch.publish(null, { deviceToken: 'dev_nope', event: 'submission', data: {} }), { query: `mutation { publishEvent(deviceToken: "dev_nope", event: SUBMISSION, data: {}) { eventId } }`, as: 'platform' }],
  ['publishEvent of an unknown event', 'VALIDATION_FAILED', 'event', () => f.gw.core.dispatch.publish(f.acct.accountId, { deviceToken: f.acct.wa.token, event: 'order.paid', data: {} }), { query: `mutation($t: String!) { publishEvent(deviceToken: $t, event: ORDER_PAID, data: {}) { eventId } }`, variables: () => ({ t: f.acct.wa.token }), schemaRefuses: true }],
  ['publishEvent with malformed data', 'VALIDATION_FAILED', 'data.submission', () => f.gw.core.dispatch.publish(f.acct.accountId, { deviceToken: f.acct.wa.token, event: 'submission', data: { answers: 3 } }), { query: `mutation($t: String!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: { answers: 3 }) { eventId } }`, variables: () => ({ t: f.acct.wa.token }) }],
  ['publishEvent of Message status from WhatsApp', 'VALIDATION_FAILED', 'channel', () => f.gw.core.dispatch.publish(f.acct.accountId, { deviceToken: f.acct.wa.token, event: 'message_status', data: {} }), { query: `mutation($t: String!) { publishEvent(deviceToken: $t, event: MESSAGE_STATUS, data: {}) { eventId } }`, variables: () => ({ t: f.acct.wa.token }) }],
  ['sendTest of a made-up target', 'NOT_FOUND', 'targetId', () => f.gw.core.tests.send(f.acct.accountId, 'tt_bogus'), { query: `mutation { sendTest(targetId: "tt_bogus") { success } }` }],
  ["sendTest of another account's target", 'NOT_FOUND', 'targetId', () => f.gw.core.tests.send(f.other.accountId, targetId), { query: `mutation($id: ID!) { sendTest(targetId: $id) { success } }`, variables: () => ({ id: targetId }), as: 'other' }],
  ["testTarget of another account's target", 'NOT_FOUND', 'targetId', () => f.gw.core.tests.target(f.other.accountId, targetId), { query: `query($id: ID!) { testTarget(id: $id) { scenario } }`, variables: () => ({ id: targetId }), as: 'other' }],
  ['redeliver of an unknown delivery', 'NOT_FOUND', 'deliveryId', () => f.gw.core.dispatch.redeliver(f.acct.accountId, '999999'), { query: `mutation { redeliver(deliveryId: "999999") { queued } }` }],
  ['redeliver of a delivery id that is not a number', 'NOT_FOUND', 'deliveryId', () => f.gw.core.dispatch.redeliver(f.acct.accountId, 'abc'), { query: `mutation { redeliver(deliveryId: "abc") { queued } }` }],
  ["redeliverFailed of another account's endpoint", 'NOT_FOUND', 'endpointId', () => f.gw.core.dispatch.redeliverFailed(f.other.accountId, { endpointId, since: new Date(0) }), { query: `mutation($id: ID!) { redeliverFailed(endpointId: $id, since: "1970-01-01T00:00:00Z") { queued } }`, variables: () => ({ id: endpointId }), as: 'other' }],
  ['redeliverFailed since a time in the future', 'VALIDATION_FAILED', 'since', () => f.gw.core.dispatch.redeliverFailed(f.acct.accountId, { endpointId, since: since(60_000) }), { query: `mutation($id: ID!, $s: DateTime!) { redeliverFailed(endpointId: $id, since: $s) { queued } }`, variables: () => ({ id: endpointId, s: since(60_000).toISOString() }) }],
  ['redeliverFailed until a time before since', 'VALIDATION_FAILED', 'since', () => f.gw.core.dispatch.redeliverFailed(f.acct.accountId, { endpointId, since: new Date('2026-01-02T00:00:00Z'), until: new Date('2026-01-01T00:00:00Z') }), { query: `mutation($id: ID!) { redeliverFailed(endpointId: $id, since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z") { queued } }`, variables: () => ({ id: endpointId }) }],
  ['deliveryLogs with an unknown status', 'VALIDATION_FAILED', 'filter.statuses[0]', () => f.gw.core.logs.list(f.acct.accountId, { filter: { statuses: ['lost' as 'failed'] } }), { query: `{ deliveryLogs(filter: { statuses: [LOST] }) { edges { cursor } } }`, schemaRefuses: true }],
  ['deliveryLogs with a backwards time range', 'VALIDATION_FAILED', 'filter.to', () => f.gw.core.logs.list(f.acct.accountId, { filter: { from: new Date(2), to: new Date(1) } }), { query: `{ deliveryLogs(filter: { from: "1970-01-01T00:00:00.002Z", to: "1970-01-01T00:00:00.001Z" }) { edges { cursor } } }` }],
  ['attempt with an id that is not one', 'NOT_FOUND', 'id', () => f.gw.core.logs.get(f.acct.accountId, '1; drop table attempt'), { query: `{ attempt(id: "1; drop table attempt") { id } }` }],
];

describe('every other operation: the same refusal through core and GraphQL, and nothing written', () => {
  it.each(operationCases)('%s', async (_what, code, field, core, api) => {
    const e = await refusal(core);
    expect(e).toMatchObject({ code, field });
    expect(e.message.length).toBeGreaterThan(field.length + 5);
    await throughGraphQL(typeof api.query === 'string' ? api.query : api.query(), api.variables?.() ?? {}, api.schemaRefuses ? 'refused by the schema' : e, api.as);
  });
});

// ---------------------------------------------------------------------------------------------
// The bot's /add form, driven as an admin would: typed answers and button presses.

/** The bot's next message after one of ours. */
async function answerTo(text: string): Promise<ChatMessage> {
  const sent = tg.send(ADMIN, text);
  return tg.waitFor(ADMIN, (m) => m.fromBot && m.messageId > sent);
}

/**
 * Presses a button and waits for the bot to answer the press (every press is answered once):
 * returns the toast, or a refusal too long for one (sent to the chat); '' when it moved on.
 */
async function pressAnswer(form: ChatMessage, button: string): Promise<string> {
  const answered = tg.answers.length;
  const lastMessage = tg.messages(ADMIN).length;
  tg.press(form, button);
  const answer = await eventually(() => tg.answers[answered], `the answer to ${button}`);
  return answer.text ?? tg.botMessages(ADMIN).find((m) => m.messageId > lastMessage)?.text ?? '';
}

/** Presses a button that must pass, and returns the form once its edit passes `test`. */
async function pressOn(form: ChatMessage, button: string, test: (m: ChatMessage) => boolean): Promise<ChatMessage> {
  expect(await pressAnswer(form, button)).toBe('');
  return formWhen(form, test);
}

/** The form message once an edit passes `test`. */
const formWhen = (form: ChatMessage, test: (m: ChatMessage) => boolean) => tg.waitFor(ADMIN, (m) => m.messageId === form.messageId && test(m));
const hasButton = (m: ChatMessage, test: (text: string) => boolean) => m.buttons.flat().some((b) => test(b.text));

/**
 * Fills /add with `input` step by step up to the step that asks for `field`, and returns what
 * the bot answered there. Earlier steps must pass (their values are good).
 */
async function addThroughTheBot(input: WebhookInput, field: string): Promise<string> {
  const start = await answerTo('/add');
  expect(start.text).toContain('step 1 of 6');
  const afterName = await answerTo(input.name);
  if (field === 'name') return afterName.text;
  expect(afterName.text).toContain('step 2 of 6');
  let form = await answerTo(input.url);
  if (field === 'url') return form.text;
  expect(form.text).toContain('step 3 of 6');

  for (const id of input.deviceIds) {
    const d = [f.acct.wa, f.acct.tg, f.acct.waba].find((x) => x.id === id)!;
    if (!hasButton(form, (t) => t.includes(d.name))) form = await pressOn(form, catalogue.channelLabel(d.channel), (m) => hasButton(m, (t) => t.includes(d.name)));
    form = await pressOn(form, d.name, (m) => hasButton(m, (t) => t.startsWith('✅') && t.includes(d.name)));
  }
  const afterDevices = await pressAnswer(form, 'Next');
  if (field === 'deviceIds') return afterDevices;
  form = await formWhen(form, (m) => m.text.includes('step 4 of 6'));

  for (const ev of input.events) {
    const label = catalogue.eventLabel(ev);
    form = await pressOn(form, `⬜ ${label}`, (m) => hasButton(m, (t) => t === `✅ ${label}`));
  }
  const afterEvents = await pressAnswer(form, 'Next');
  if (field === 'events') return afterEvents;
  await formWhen(form, (m) => m.text.includes('step 5 of 6'));
  // The secret is typed in answer to a prompt of its own, sent after the form.
  await tg.waitFor(ADMIN, (m) => m.fromBot && m.messageId > form.messageId && m.forceReply !== null);

  if (!input.secret) throw new Error('the bot took the whole form without a refusal');
  return (await answerTo(input.secret)).text;
}

async function cancelForm(): Promise<void> {
  const answer = await answerTo('/cancel');
  expect(answer.text).toContain('nothing was saved');
}
