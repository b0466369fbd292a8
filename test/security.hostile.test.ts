import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { PLATFORM_KEY, startApiGateway } from './helpers/api.js';
import { rawSocket } from './helpers/rawSocket.js';
import { publishedData } from './helpers/samples.js';

/**
 * Hostile input against a production-mode gateway (NODE_ENV=production: private targets
 * refused, https only, introspection off): odd unicode in every name and identifier,
 * oversized values, alias, depth, directive and token bombs, batching, WebSocket
 * authentication, revocation mid-subscription and other accounts' ids. Every case gets its
 * typed error, and a checksum of every table is the same before and after it.
 */

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let admin: pg.Client;
let a: Awaited<ReturnType<typeof seedAccount>>;
let b: Awaited<ReturnType<typeof seedAccount>>;
const fx = {} as { aWebhook: string; bWebhook: string; bEndpoint: string; bTarget: string; bKeyId: string; bAttempt: string; bDelivery: string; revokedKey: string };
let checksumSql = '';

const HOOK = 'https://hooks.example.com/kirisan';

beforeAll(async () => {
  api = await startApiGateway({ NODE_ENV: 'production', ROLES: 'api', ALLOW_PRIVATE_TARGETS: 'false', AUTH_FAILURE_LIMIT: '0' });
  gw = await startTestGateway({ NODE_ENV: 'production', ALLOW_PRIVATE_TARGETS: 'false' }, { url: api.dbUrl });
  admin = new pg.Client(api.dbUrl);
  await admin.connect();
  a = await seedAccount(gw.core, 'Acme');
  b = await seedAccount(gw.core, 'Other');
  fx.aWebhook = (await gw.core.webhooks.save(a.accountId, { name: 'CRM', url: HOOK, secret: 'a-secret-value', deviceIds: [a.wa.id], events: ['submission'] })).webhookId;
  const bSaved = await gw.core.webhooks.save(b.accountId, { name: 'Theirs', url: HOOK, deviceIds: [b.wa.id], events: ['submission'] });
  fx.bWebhook = bSaved.webhookId;
  fx.bEndpoint = bSaved.endpoints[0]!.id;
  fx.bTarget = (await gw.core.tests.targets(b.accountId, { webhookId: fx.bWebhook }))[0]!.id;
  fx.bKeyId = (await gw.core.accounts.listApiKeys(b.accountId))[0]!.id;
  const revoked = await gw.core.accounts.createApiKey(a.accountId, { label: 'revoked' });
  await gw.core.accounts.revokeApiKey(a.accountId, revoked.key.id);
  fx.revokedKey = revoked.apiKey;
  // Another account's attempt and delivery, to be asked for by id.
  const ev = await gw.core.dispatch.publish(b.accountId, { deviceToken: b.wa.token, event: 'submission', data: publishedData('submission', b.wa), idempotencyKey: 'used-key' });
  fx.bDelivery = (await admin.query(`insert into delivery (event_id, endpoint_id, account_id, status) values ($1, $2, $3, 'failed') returning id`, [ev.eventId, fx.bEndpoint, b.accountId])).rows[0].id;
  fx.bAttempt = (
    await admin.query(
      `insert into attempt (account_id, delivery_id, endpoint_id, webhook_name, channel, event_name, url, test, started_at, duration_ms, outcome, attempt_number)
       values ($1, $2, $3, 'Theirs', 'whatsapp', 'submission', $4, false, now(), 5, 'failed', 1) returning id`,
      [b.accountId, fx.bDelivery, fx.bEndpoint, HOOK],
    )
  ).rows[0].id;
  const { rows } = await admin.query<{ t: string }>(`select tablename as t from pg_tables where schemaname = 'public' order by 1`);
  checksumSql = rows.map(({ t }) => `select '${t}' as t, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as sum from ${pg.escapeIdentifier(t)} x`).join(' union all ');
});
afterAll(async () => {
  await admin.end();
  await gw.close();
  await api.close();
});

/** One digest per table, of every row. */
const checksum = async () => (await admin.query<{ t: string; sum: string }>(checksumSql)).rows;

type Who = 'a' | 'b' | 'platform' | 'none' | 'revoked' | { header: string };
interface Case {
  who: Who;
  /** A GraphQL operation, or a raw body (batches, broken JSON). */
  query?: string;
  variables?: () => Record<string, unknown>;
  body?: () => string;
  method?: 'GET';
  code: string;
  field?: string;
  limit?: string;
  status?: number;
}

function authorization(who: Who): string | undefined {
  if (typeof who === 'object') return who.header;
  const key = { a: () => a.apiKey, b: () => b.apiKey, platform: () => PLATFORM_KEY, revoked: () => fx.revokedKey, none: () => undefined }[who]();
  return key ? `Bearer ${key}` : undefined;
}

async function send(c: Case) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = authorization(c.who);
  if (auth) headers.authorization = auth;
  const body = c.body ? c.body() : JSON.stringify({ query: c.query, variables: c.variables?.() ?? {} });
  const res = c.method === 'GET'
    ? await fetch(`${api.http}/graphql?query=${encodeURIComponent(c.query ?? '')}`, { headers: { ...headers, 'apollo-require-preflight': 'true' } })
    : await fetch(`${api.http}/graphql`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

// ---- the cases -----------------------------------------------------------------------------

const HIDDEN: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['C1 next line', '\u0085'],
  ['right-to-left override', '\u202e'],
  ['left-to-right isolate', '\u2066'],
  ['pop directional isolate', '\u2069'],
  ['zero-width space', '\u200b'],
  ['zero-width joiner in ASCII', '\u200d'],
  ['byte order mark inside', '\ufeff'],
  ['line separator', '\u2028'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', '\udc00'],
];

const SAVE = `mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { webhookId } }`;
const PUBLISH = `mutation($t: String!, $d: JSON!, $k: String) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d, idempotencyKey: $k) { eventId } }`;
const webhook = (over: Record<string, unknown>) => ({ name: 'CRM', url: HOOK, deviceIds: [a.wa.id], events: ['SUBMISSION'], ...over });
const submission = () => publishedData('submission', a.wa);

/** Each field that takes a name, a label or an identifier, with a request putting `v` in it. */
const TEXT_FIELDS: Array<[string, (v: string) => Case]> = [
  ['createAccount name', (v) => ({ who: 'platform', query: 'mutation($n: String!) { createAccount(name: $n) { apiKey } }', variables: () => ({ n: `Acme ${v} Ltd` }), code: 'BAD_USER_INPUT', field: 'name' })],
  ['createApiKey label', (v) => ({ who: 'a', query: 'mutation($l: String!) { createApiKey(input: { label: $l }) { apiKey } }', variables: () => ({ l: `ci${v}key` }), code: 'BAD_USER_INPUT', field: 'label' })],
  ['registerDevice name', (v) => ({ who: 'a', query: 'mutation($n: String!) { registerDevice(input: { channel: WHATSAPP, name: $n, identifier: "6281234567890", inboundHandler: WEBHOOK }) { id } }', variables: () => ({ n: `Sales${v}line` }), code: 'BAD_USER_INPUT', field: 'name' })],
  ['registerDevice phone number', (v) => ({ who: 'a', query: 'mutation($i: String!) { registerDevice(input: { channel: WABA, name: "x", identifier: $i, inboundHandler: WEBHOOK }) { id } }', variables: () => ({ i: `62812${v}34567890` }), code: 'BAD_USER_INPUT', field: 'identifier' })],
  ['registerDevice bot name', (v) => ({ who: 'a', query: 'mutation($i: String!) { registerDevice(input: { channel: TELEGRAM, name: "x", identifier: $i, inboundHandler: WEBHOOK }) { id } }', variables: () => ({ i: `acme${v}_bot` }), code: 'BAD_USER_INPUT', field: 'identifier' })],
  ['updateDevice name', (v) => ({ who: 'a', query: 'mutation($id: ID!, $n: String!) { updateDevice(id: $id, input: { name: $n }) { id } }', variables: () => ({ id: a.wa.id, n: `Support${v}` + 'line' }), code: 'BAD_USER_INPUT', field: 'name' })],
  ['saveWebhooks name', (v) => ({ who: 'a', query: SAVE, variables: () => ({ i: webhook({ name: `safe${v}gnp.exe` }) }), code: 'BAD_USER_INPUT', field: 'name' })],
  ['saveWebhooks url', (v) => ({ who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: `https://hooks.example.com/a${v}b` }) }), code: 'BAD_USER_INPUT', field: 'url' })],
  ['updateWebhook name', (v) => ({ who: 'a', query: UPDATE, variables: () => ({ id: fx.aWebhook, i: webhook({ name: `CRM${v}2` }) }), code: 'BAD_USER_INPUT', field: 'name' })],
  ['webhooks search', (v) => ({ who: 'a', query: 'query($s: String) { webhooks(search: $s) { edges { node { id } } } }', variables: () => ({ s: `crm${v}x` }), code: 'BAD_USER_INPUT', field: 'search' })],
  ['deliveryLogs device search', (v) => ({ who: 'a', query: 'query($s: String) { deliveryLogs(filter: { deviceSearch: $s }) { edges { node { id } } } }', variables: () => ({ s: `628${v}1` }), code: 'BAD_USER_INPUT', field: 'filter.deviceSearch' })],
  ['publishEvent device token', (v) => ({ who: 'platform', query: PUBLISH, variables: () => ({ t: `${a.wa.token}${v}`, d: submission() }), code: 'BAD_USER_INPUT', field: 'deviceToken' })],
  ['publishEvent idempotency key', (v) => ({ who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: submission(), k: `key${v}1` }), code: 'BAD_USER_INPUT', field: 'idempotencyKey' })],
];

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

const OTHER: Array<[string, Case]> = [
  // oversized values
  ['a 101-character webhook name', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ name: 'n'.repeat(101) }) }), code: 'BAD_USER_INPUT', field: 'name' }],
  ['a 101-character account name', { who: 'platform', query: 'mutation($n: String!) { createAccount(name: $n) { apiKey } }', variables: () => ({ n: 'n'.repeat(101) }), code: 'BAD_USER_INPUT', field: 'name' }],
  ['a 61-character key label', { who: 'a', query: 'mutation($l: String!) { createApiKey(input: { label: $l }) { apiKey } }', variables: () => ({ l: 'l'.repeat(61) }), code: 'BAD_USER_INPUT', field: 'label' }],
  ['a 2,100-character URL', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: `https://hooks.example.com/${'p'.repeat(2100)}` }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['a 513-character secret', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ secret: 's'.repeat(513) }) }), code: 'BAD_USER_INPUT', field: 'secret' }],
  ['a secret with a header injection', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ secret: 'abc\r\nX-Evil: 1' }) }), code: 'BAD_USER_INPUT', field: 'secret' }],
  ['501 device ids', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ deviceIds: Array.from({ length: 501 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`) }) }), code: 'BAD_USER_INPUT', field: 'deviceIds' }],
  ['a 201-character search', { who: 'a', query: 'query($s: String) { webhooks(search: $s) { edges { node { id } } } }', variables: () => ({ s: 's'.repeat(201) }), code: 'BAD_USER_INPUT', field: 'search' }],
  ['a 256-character idempotency key', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: submission(), k: 'k'.repeat(256) }), code: 'BAD_USER_INPUT', field: 'idempotencyKey' }],
  ['a 201-character device token', { who: 'a', query: PUBLISH, variables: () => ({ t: `dev_${'x'.repeat(197)}`, d: submission() }), code: 'BAD_USER_INPUT', field: 'deviceToken' }],
  ['event data of 300 KB', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: { ...submission(), sender: 'x'.repeat(300_000) } }), code: 'BAD_USER_INPUT', field: 'data' }],
  ['event data 40 levels deep', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: { ...submission(), extra: nested(40) } }), code: 'BAD_USER_INPUT', field: 'data' }],
  // Written out by hand: JSON.stringify itself overflows the stack on it.
  ['incoming_message metadata 100,000 levels deep', { who: 'a', body: () => `{"query":"mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: INCOMING_MESSAGE, data: $d) { eventId } }","variables":{"t":"${a.wa.token}","d":{"sender":{},"message":{},"metadata":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}}`, code: 'BAD_USER_INPUT', field: 'data' }],
  ['a mutation body over 1 MB', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: { blob: 'x'.repeat(1_100_000) } }), code: 'QUERY_TOO_COMPLEX', limit: 'body', status: 413 }],
  ['a query body over 64 KB', { who: 'a', query: 'query($s: String) { webhooks(search: $s) { edges { node { id } } } }', variables: () => ({ s: 'x'.repeat(70_000) }), code: 'QUERY_TOO_COMPLEX', limit: 'body', status: 413 }],
  // alias, depth, directive, token and cost bombs
  ['16 aliased me', { who: 'a', query: aliases(16, 'me { id }'), code: 'QUERY_TOO_COMPLEX', limit: 'aliases' }],
  ['500 aliased me', { who: 'a', query: aliases(500, 'me { id }'), code: 'QUERY_TOO_COMPLEX', limit: 'tokens' }],
  ['1,000 aliased deliveryLogs(first: 1)', { who: 'a', query: aliases(1000, 'deliveryLogs(first: 1) { edges { node { id } } }'), code: 'QUERY_TOO_COMPLEX', limit: 'tokens' }],
  ['200 aliased publishEvent', { who: 'a', query: `mutation($t: String!, $d: JSON!) ${aliases(200, 'publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId }').slice(0)}`, variables: () => ({ t: a.wa.token, d: submission() }), code: 'QUERY_TOO_COMPLEX', limit: 'tokens' }],
  ['16 aliased publishEvent', { who: 'a', query: `mutation($t: String!, $d: JSON!) ${aliases(16, 'publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId }')}`, variables: () => ({ t: a.wa.token, d: submission() }), code: 'QUERY_TOO_COMPLEX', limit: 'aliases' }],
  ['15 aliased pages of 100 logs', { who: 'a', query: aliases(15, 'deliveryLogs(first: 100) { edges { node { id url } } }'), code: 'QUERY_TOO_COMPLEX', limit: 'cost' }],
  ['a page of 5,000 logs', { who: 'a', query: '{ deliveryLogs(first: 5000) { edges { node { id url webhookName } } } }', code: 'QUERY_TOO_COMPLEX', limit: 'cost' }],
  ['a selection 12 levels deep', { who: 'a', query: `{ webhooks { edges { node { endpoints { devices { a { b { c { d { e { f { g } } } } } } } } } } } }`, code: 'QUERY_TOO_COMPLEX', limit: 'depth' }],
  ['a fragment cycle', { who: 'a', query: 'query { me { ...A } } fragment A on Account { id ...B } fragment B on Account { name ...A }', code: 'GRAPHQL_VALIDATION_FAILED' }],
  ['11 directives', { who: 'a', query: aliases(11, 'me @skip(if: false) { id }'), code: 'QUERY_TOO_COMPLEX', limit: 'directives' }],
  ['a 3,000-token document', { who: 'a', query: `{ me { ${'id '.repeat(3000)} } }`, code: 'QUERY_TOO_COMPLEX', limit: 'tokens' }],
  ['a 100,000-level inline data literal', { who: 'a', query: `mutation { publishEvent(deviceToken: "x", event: SUBMISSION, data: ${'{a:'.repeat(100_000)}1${'}'.repeat(100_000)}) { eventId } }`, code: 'QUERY_TOO_COMPLEX', limit: 'depth', status: 400 }],
  ['an inline data literal 2,500 levels deep', { who: 'a', query: `mutation { publishEvent(deviceToken: "x", event: SUBMISSION, data: ${'['.repeat(2500)}${']'.repeat(2500)}) { eventId } }`, code: 'QUERY_TOO_COMPLEX', limit: 'depth', status: 400 }],
  ['an inline list 70 levels deep', { who: 'a', query: `mutation { publishEvent(deviceToken: "x", event: SUBMISSION, data: ${'['.repeat(70)}${']'.repeat(70)}) { eventId } }`, code: 'QUERY_TOO_COMPLEX', limit: 'depth', status: 400 }],
  ['a nesting bomb over GET', { who: 'a', method: 'GET', query: `{ me ${'{'.repeat(3000)} }`, code: 'QUERY_TOO_COMPLEX', limit: 'depth', status: 400 }],
  // the schema stays private in production
  ['introspection', { who: 'a', query: '{ __schema { types { name } } }', code: 'GRAPHQL_VALIDATION_FAILED' }],
  ['a misspelled field, unauthenticated', { who: 'none', query: '{ webhookSigningKy(id: "x") }', code: 'GRAPHQL_VALIDATION_FAILED' }],
  ['a misspelled enum value', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ events: ['SUBMISION'] }) }), code: 'BAD_USER_INPUT' }],
  // transport
  ['a batch of two operations', { who: 'a', body: () => JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]), code: 'BAD_REQUEST', status: 400 }],
  ['a body that is not JSON', { who: 'a', body: () => '{"query": "{ me { id } }"', code: 'BAD_REQUEST', status: 400 }],
  ['a mutation over GET', { who: 'a', method: 'GET', query: 'mutation { createApiKey(input: { label: "x" }) { apiKey } }', code: 'BAD_REQUEST', status: 405 }],
  ['an unknown field in the input', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ bogus: true }) }), code: 'BAD_USER_INPUT' }],
  // authentication and authorisation
  ['no key', { who: 'none', query: '{ me { id } }', code: 'UNAUTHENTICATED' }],
  ['an unknown key', { who: { header: 'Bearer kir_unknownunknownunknownunknownunknown0000' }, query: '{ me { id } }', code: 'UNAUTHENTICATED' }],
  ['a revoked key', { who: 'revoked', query: '{ me { id } }', code: 'UNAUTHENTICATED' }],
  ['Basic credentials', { who: { header: 'Basic YWRtaW46YWRtaW4=' }, query: '{ me { id } }', code: 'UNAUTHENTICATED' }],
  ['the platform key on an account\'s data', { who: 'platform', query: '{ webhooks { edges { node { id } } } }', code: 'FORBIDDEN' }],
  ['an account key creating an account', { who: 'a', query: 'mutation { createAccount(name: "Mine") { apiKey } }', code: 'FORBIDDEN' }],
  // another account's ids
  ['updateWebhook of theirs', { who: 'a', query: UPDATE, variables: () => ({ id: fx.bWebhook, i: webhook({}) }), code: 'NOT_FOUND', field: 'id' }],
  ['deleteWebhook of theirs', { who: 'a', query: 'mutation($id: ID!) { deleteWebhook(id: $id) { deletedEndpointIds } }', variables: () => ({ id: fx.bWebhook }), code: 'NOT_FOUND', field: 'id' }],
  ['their signing key', { who: 'a', query: 'query($id: ID!) { webhookSigningKey(id: $id) }', variables: () => ({ id: fx.bEndpoint }), code: 'NOT_FOUND', field: 'id' }],
  ['their endpoints', { who: 'a', query: 'query($id: ID!) { webhookEndpoints(id: $id) { id } }', variables: () => ({ id: fx.bWebhook }), code: 'NOT_FOUND', field: 'id' }],
  ['troubleshoot of theirs', { who: 'a', query: 'query($id: ID!) { troubleshoot(endpointId: $id) { healthy } }', variables: () => ({ id: fx.bEndpoint }), code: 'NOT_FOUND' }],
  ['their test target', { who: 'a', query: 'query($id: ID!) { testTarget(id: $id) { payloadPreview } }', variables: () => ({ id: fx.bTarget }), code: 'NOT_FOUND' }],
  ['sendTest of theirs', { who: 'a', query: 'mutation($id: ID!) { sendTest(targetId: $id) { success } }', variables: () => ({ id: fx.bTarget }), code: 'NOT_FOUND', field: 'targetId' }],
  ['their device', { who: 'a', query: 'query($id: ID!) { device(id: $id) { token } }', variables: () => ({ id: b.wa.id }), code: 'NOT_FOUND', field: 'id' }],
  ['updateDevice of theirs', { who: 'a', query: 'mutation($id: ID!) { updateDevice(id: $id, input: { name: "mine" }) { id } }', variables: () => ({ id: b.wa.id }), code: 'NOT_FOUND', field: 'id' }],
  ['revokeApiKey of theirs', { who: 'a', query: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', variables: () => ({ id: fx.bKeyId }), code: 'NOT_FOUND', field: 'id' }],
  ['their attempt', { who: 'a', query: 'query($id: ID!) { attempt(id: $id) { url } }', variables: () => ({ id: fx.bAttempt }), code: 'NOT_FOUND' }],
  ['redeliver of theirs', { who: 'a', query: 'mutation($id: ID!) { redeliver(deliveryId: $id) { queued } }', variables: () => ({ id: fx.bDelivery }), code: 'NOT_FOUND', field: 'deliveryId' }],
  ['redeliverFailed of theirs', { who: 'a', query: 'mutation($id: ID!) { redeliverFailed(endpointId: $id, since: "2020-01-01T00:00:00Z") { queued } }', variables: () => ({ id: fx.bEndpoint }), code: 'NOT_FOUND', field: 'endpointId' }],
  ['muting their endpoint', { who: 'a', query: 'mutation($id: ID!) { muteEndpointAlerts(endpointId: $id, hours: 1) { mutedUntil } }', variables: () => ({ id: fx.bEndpoint }), code: 'NOT_FOUND' }],
  ['publishing for their device', { who: 'a', query: PUBLISH, variables: () => ({ t: b.wa.token, d: submission() }), code: 'NOT_FOUND', field: 'deviceToken' }],
  ['saving a webhook on their device', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ deviceIds: [a.wa.id, b.tg.id] }) }), code: 'BAD_USER_INPUT', field: 'deviceIds' }],
  ['their logs by endpoint id', { who: 'b', query: 'query($id: ID!) { deliveryLogs(filter: { endpointId: $id }) { edges { node { id } } } }', variables: () => ({ id: fx.bEndpoint }), code: 'NONE' }],
  ['reusing their idempotency key for another event', { who: 'platform', query: PUBLISH, variables: () => ({ t: b.wa.token, d: { ...publishedData('submission', b.wa), sender: 'changed' }, k: 'used-key' }), code: 'CONFLICT', field: 'idempotencyKey' }],
  // URLs a production gateway refuses
  ['an http:// URL', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'http://hooks.example.com/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['port 22', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://hooks.example.com:22/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['port 5432', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://hooks.example.com:5432/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['a private address', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://10.0.0.5/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['a name resolving to a private address', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://internal.example.com/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['localhost', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://localhost/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['the metadata address', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://169.254.169.254/latest/meta-data' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['an IPv4-mapped loopback', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://[::ffff:127.0.0.1]/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['a decimal loopback', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://2130706433/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['a file:// URL', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'file:///etc/passwd' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  ['credentials in the URL', { who: 'a', query: SAVE, variables: () => ({ i: webhook({ url: 'https://user:pw@hooks.example.com/k' }) }), code: 'BAD_USER_INPUT', field: 'url' }],
  // event data
  ['data that is not an object', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: 'hello' }), code: 'BAD_USER_INPUT' }],
  ['data carrying the gateway\'s own fields', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: { ...submission(), production: false } }), code: 'BAD_USER_INPUT', field: 'data.production' }],
  ['message_status from WhatsApp', { who: 'a', query: 'mutation($t: String!) { publishEvent(deviceToken: $t, event: MESSAGE_STATUS, data: {}) { eventId } }', variables: () => ({ t: a.wa.token }), code: 'BAD_USER_INPUT', field: 'channel' }],
  ['milliseconds for seconds', { who: 'a', query: PUBLISH, variables: () => ({ t: a.wa.token, d: { ...submission(), started_at: 1735689480000 } }), code: 'BAD_USER_INPUT', field: 'data.started_at' }],
];

const CASES: Array<[string, Case]> = [
  ...TEXT_FIELDS.flatMap(([field, make]) => HIDDEN.map(([what, ch]): [string, Case] => [`${field} with ${what}`, make(ch)])),
  ...OTHER,
];

describe('hostile input over HTTP: a typed error each, and every table as it was', () => {
  it('holds at least 120 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(120);
  });

  it.each(CASES)('%s', async (_what, c) => {
    const before = await checksum();
    const { status, json } = await send(c);
    if (c.code === 'NONE') {
      expect(json.errors).toBeUndefined();
    } else {
      const error = json.errors?.find((e) => e.extensions?.code === c.code);
      expect(error, JSON.stringify(json.errors)).toBeDefined();
      if (c.field) expect(error!.extensions!.field).toBe(c.field);
      if (c.limit) expect(error!.extensions!.limit).toBe(c.limit);
      expect(error!.message).not.toMatch(/Did you mean|insert into|select |at [A-Za-z]+ \(/);
      for (const v of Object.values(json.data ?? {})) expect(v).toBeNull();
    }
    if (c.status) expect(status).toBe(c.status);
    expect(await checksum()).toEqual(before);
  });
});

describe('hostile WebSockets: refused at connect, and every table as it was', () => {
  it.each([
    ['no key', {}],
    ['an unknown key', { authorization: 'Bearer kir_unknownunknownunknownunknownunknown0000' }],
    ['a revoked key', () => ({ authorization: `Bearer ${fx.revokedKey}` })],
    ['a key in the wrong field', () => ({ token: a.apiKey })],
  ] as Array<[string, Record<string, unknown> | (() => Record<string, unknown>)]>)('%s: closed with 4403', async (_what, params) => {
    const before = await checksum();
    const s = rawSocket(api.http, typeof params === 'function' ? params() : params);
    expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden' });
    expect(s.messages).toEqual([]);
    expect(await checksum()).toEqual(before);
  });

  it('an operation over the query body limit, a token bomb, a nesting bomb and a hidden character get typed errors', async () => {
    const before = await checksum();
    const s = rawSocket(api.http, { authorization: `Bearer ${a.apiKey}` });
    await s.acked;
    s.send({ id: '1', type: 'subscribe', payload: { query: 'subscription($s: String) { deliveryAttempts(filter: { deviceSearch: $s }) { id } }', variables: { s: 'x'.repeat(70_000) } } });
    s.send({ id: '2', type: 'subscribe', payload: { query: `subscription { deliveryAttempts { ${'id '.repeat(2500)} } }` } });
    s.send({ id: '3', type: 'subscribe', payload: { query: 'subscription($s: String) { deliveryAttempts(filter: { deviceSearch: $s }) { id } }', variables: { s: 'safe\u202egnp' } } });
    s.send({ id: '4', type: 'subscribe', payload: { query: `subscription { deliveryAttempts ${'{'.repeat(5000)} }` } });
    // Refusals before the operation runs come as `error`; one from its resolver as a `next` with errors.
    const errorOf = (id: string) => {
      const m = s.messages.find((x) => x.id === id && (x.type === 'error' || x.type === 'next'));
      const errors = (m?.type === 'error' ? m.payload : (m?.payload as { errors?: unknown } | undefined)?.errors) as Array<{ extensions?: Record<string, unknown> }> | undefined;
      return errors?.[0]?.extensions;
    };
    await expect.poll(() => ['1', '2', '3', '4'].every((id) => errorOf(id)), { timeout: 10_000 }).toBe(true);
    expect(errorOf('1')).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'body' });
    expect(errorOf('2')).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens' });
    expect(errorOf('3')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.deviceSearch' });
    expect(errorOf('4')).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
    s.close();
    await s.closed;
    expect(await checksum()).toEqual(before);
  });

  it('the platform key may connect but not read an account\'s live log', async () => {
    const before = await checksum();
    const s = rawSocket(api.http, { authorization: `Bearer ${PLATFORM_KEY}` });
    await s.acked;
    s.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { deliveryAttempts { id } }' } });
    await expect.poll(() => s.messages.find((m) => m.id === '1')?.type, { timeout: 10_000 }).toMatch(/^(error|next)$/);
    const m = s.messages.find((x) => x.id === '1')!;
    expect(JSON.stringify(m.payload)).toContain('FORBIDDEN');
    s.close();
    await s.closed;
    expect(await checksum()).toEqual(before);
  });

  it('revocation mid-subscription: the socket is closed with 4403 and nothing else changes', async () => {
    const extra = await gw.core.accounts.createApiKey(a.accountId, { label: 'to revoke' });
    const s = rawSocket(api.http, { authorization: `Bearer ${extra.apiKey}` });
    await s.acked;
    s.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { deliveryAttempts { id } }' } });
    await gw.core.accounts.revokeApiKey(a.accountId, extra.key.id);
    const before = await checksum();
    expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });
    expect(await checksum()).toEqual(before);
  });
});

describe('a flood of wrong keys', () => {
  it('300 wrong keys from one address: 429 with Retry-After from the 21st on, and nothing written', async () => {
    const limited = await startApiGateway({ NODE_ENV: 'production', ROLES: 'api', ALLOW_PRIVATE_TARGETS: 'false' }, { url: api.dbUrl });
    try {
      const before = await checksum();
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 300; i++) {
        const res = await fetch(`${limited.http}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer kir_guess${i}` }, body: '{"query":"{ me { id } }"}' });
        statuses.push(res.status);
        retryAfter ??= res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
      expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(await checksum()).toEqual(before);
    } finally {
      await limited.close();
    }
  });
});
