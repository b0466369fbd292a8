import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger, secretSettings } from '../src/log.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createTestDatabase } from './helpers/db.js';
import { eventually, fakeResolver } from './helpers/gateway.js';
import { PLATFORM_KEY } from './helpers/api.js';
import { rawSocket } from './helpers/rawSocket.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, TEST_THROTTLE } from './helpers/telegramBot.js';
import { startFakeTelegram, TEST_TOKEN, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * Secrets never leak: a whole production-mode gateway (API, workers, alerts, the bot) is
 * driven down every failure path a caller or the world can cause — bad input, constraint
 * violations, a database that does not answer or drops connections, a receiver that echoes
 * what it was sent, Telegram refusing messages — and then every log line it wrote and every
 * API and bot response is searched for every secret used. The only hits allowed are the
 * responses that show a secret once, by design.
 */

let tg: FakeTelegram;
let rx: Receiver;
let gw: Runtime;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: pg.Client;
const logged: string[] = [];
/** Every API, WebSocket and bot response, with the secrets it may show (shown-once responses). */
const responses: Array<{ what: string; text: string; mayShow: Set<string> }> = [];
const secrets = new Map<string, string>();
const ADMIN_CHAT = 7001;

const secret = (name: string, value = `${name}-${randomBytes(12).toString('base64url')}`) => (secrets.set(name, value), value);

async function call<T = Record<string, unknown>>(key: string | null, query: string, variables: Record<string, unknown> = {}, mayShow: string[] = []) {
  const res = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  responses.push({ what: query.slice(0, 60), text: `${res.status} ${[...res.headers].join(' ')} ${text}`, mayShow: new Set(mayShow) });
  return JSON.parse(text) as { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

beforeAll(async () => {
  tg = await startFakeTelegram();
  // A hostile receiver: echoes every header it got (X-Webhook-Secret included) in its body
  // and in a redirect's Location; fails live deliveries on /fail.
  rx = await startReceiver((req, res) => {
    const echo = JSON.stringify(req.headers);
    const live = req.headers['user-agent'] === 'Kirisan-Webhook/1.0';
    if (req.path.startsWith('/redirect')) res.writeHead(302, { location: `/elsewhere?got=${encodeURIComponent(String(req.headers['x-webhook-secret']))}` }).end(echo);
    else res.writeHead(live && req.path.startsWith('/fail') ? 500 : 200).end(echo);
  });
  db = await createTestDatabase();
  admin = new pg.Client(db.url);
  await admin.connect();
  secret('platform key', PLATFORM_KEY);
  secret('bot token', TEST_TOKEN);
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    ROLES: 'api,workers,bot',
    PORT: '0',
    HOST: '127.0.0.1',
    PLATFORM_API_KEY: PLATFORM_KEY,
    // No encryption key: the hardest case for the logs, since every statement then carries
    // the secrets in plain text (secrets at rest are checked in security.secretsAtRest.test.ts).
    ENCRYPTION_KEY: undefined,
    // The receivers are on loopback over http: allowed here, the rest is production's.
    ALLOW_PRIVATE_TARGETS: 'true',
    ALLOW_HTTP_TARGETS: 'true',
    RETRY_SCHEDULE: '100ms',
    RETRY_JITTER: '0',
    WORKER_POLL_MS: '100',
    DELIVERY_TIMEOUT_MS: '2000',
    TEST_TIMEOUT_MS: '2000',
    DB_STATEMENT_TIMEOUT_MS: '1000',
    ALERT_WINDOW: '1s',
    AUTH_FAILURE_LIMIT: '30',
    MIGRATE_ON_START: 'false',
    ...botEnv(tg),
  });
  const out = new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) });
  gw = await createRuntime(config, { logger: createLogger('trace', { destination: out, secrets: secretSettings(config) }), resolve: fakeResolver, bot: { throttle: TEST_THROTTLE } });
});
afterAll(async () => {
  await gw?.stop();
  await admin?.end();
  await tg?.close();
  await rx?.close();
  await db?.drop();
});

describe('no secret in any log line or response', () => {
  it('after every failure path that can be provoked, the secrets appear only where they are shown once', { timeout: 180_000 }, async () => {
    // ---- an account, a device, keys ------------------------------------------------
    const created = await call<{ createAccount: { account: { id: string }; apiKey: string } }>(PLATFORM_KEY, 'mutation { createAccount(name: "Acme") { account { id } apiKey } }', {}, ['api key']);
    const key = secret('api key', created.data!.createAccount.apiKey);
    const second = await call<{ createApiKey: { key: { id: string }; apiKey: string } }>(key, 'mutation { createApiKey(input: { label: "ci" }) { key { id } apiKey } }', {}, ['second api key']);
    const secondKey = secret('second api key', second.data!.createApiKey.apiKey);
    const device = await call<{ registerDevice: { id: string; token: string } }>(key, 'mutation { registerDevice(input: { channel: WHATSAPP, name: "Support", identifier: "6281234567890", inboundHandler: WEBHOOK }) { id token } }');
    const { id: deviceId, token } = device.data!.registerDevice;
    const deviceView = { id: deviceId, token, channel: 'whatsapp' as const, name: 'Support', identifier: '6281234567890', inboundHandler: 'webhook' as const, accountId: created.data!.createAccount.account.id, label: 'Support (+6281234567890)' };

    // ---- webhooks with secrets: saved, tested, edited -----------------------------------
    const SAVE = 'mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId endpoints { id signingKey secretHint } testTargets { id } } }';
    type Saved = { saveWebhooks: { webhookId: string; endpoints: Array<{ id: string; signingKey: string }>; testTargets: Array<{ id: string }> } };
    const hooks: Array<{ webhookId: string; endpointId: string; target: string }> = [];
    for (const path of ['/ok', '/fail', '/redirect']) {
      const s = secret(`secret ${path}`);
      const name = `signing key ${path}`;
      const r = await call<Saved>(key, SAVE, { i: { name: `Hook ${path}`, url: `${rx.url}${path}`, secret: s, deviceIds: [deviceId], events: ['SUBMISSION'] } }, [name]);
      secret(name, r.data!.saveWebhooks.endpoints[0]!.signingKey);
      hooks.push({ webhookId: r.data!.saveWebhooks.webhookId, endpointId: r.data!.saveWebhooks.endpoints[0]!.id, target: r.data!.saveWebhooks.testTargets[0]!.id });
      await call(key, 'mutation($t: ID!) { sendTest(targetId: $t) { success httpStatus responseBody errorText diagnosis { cause } } }', { t: r.data!.saveWebhooks.testTargets[0]!.id });
    }
    // A custom header's value (an API key for the receiver) is a secret too: shown as a hint only,
    // and hidden when the hostile receiver echoes it back.
    for (const [i, hook] of hooks.entries()) {
      await call(key, 'mutation($id: ID!, $h: [CustomHeaderInput!]!) { setWebhookHeaders(id: $id, headers: $h) { customHeaders { name valueHint } } }', {
        id: hook.webhookId,
        h: [{ name: 'Authorization', value: secret(`header ${i}`) }],
      });
    }
    const edited = secret('edited secret');
    await call(key, 'mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { endpoints { signingKey } } }',
      { id: hooks[0]!.webhookId, i: { name: 'Hook /ok', url: `${rx.url}/ok`, secret: edited, deviceIds: [deviceId], events: ['SUBMISSION'] } }, ['signing key /ok']);
    await call(key, 'mutation($t: ID!) { sendTest(targetId: $t) { success responseBody } }', { t: hooks[0]!.target });
    await call(key, 'query($id: ID!) { webhookSigningKey(id: $id) }', { id: hooks[1]!.webhookId }, ['signing key /fail']);

    // ---- the admin chat, and the live log over WebSocket --------------------------------
    const link = await call<{ createChatLinkCode: { code: string } }>(key, 'mutation { createChatLinkCode { code } }', {}, ['link code']);
    tg.send(ADMIN_CHAT, `/start ${secret('link code', link.data!.createChatLinkCode.code)}`);
    await tg.waitFor(ADMIN_CHAT, 'is now an admin chat');
    tg.send(ADMIN_CHAT + 1, `/start ${link.data!.createChatLinkCode.code}`);
    await tg.waitFor(ADMIN_CHAT + 1, () => true);
    const live = rawSocket(gw.url!, { authorization: `Bearer ${key}` });
    await live.acked;
    live.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { deliveryAttempts { id webhookName url httpCode error diagnosis { cause fix } } }' } });
    const rejected = rawSocket(gw.url!, { authorization: `Bearer ${key}x` });
    await rejected.closed;

    // ---- live deliveries: successes, failures and retries, redirects, alerts -----------
    const PUBLISH = 'mutation($t: String!, $d: JSON!, $k: String) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d, idempotencyKey: $k) { eventId deliveriesQueued replayed } }';
    for (let i = 0; i < 3; i++) await call(key, PUBLISH, { t: token, d: publishedData('submission', deviceView), k: `k-${i}` });
    await call(PLATFORM_KEY, PUBLISH, { t: token, d: publishedData('submission', deviceView), k: 'k-0' });
    await eventually(async () => (await admin.query(`select count(*)::int as n from attempt where not test`)).rows[0].n >= 9, 'live attempts');
    // Telegram refuses the next alerts and commands.
    tg.failNext('sendMessage', { error_code: 500, description: 'Internal Server Error' });
    tg.failNext('sendMessage', { error_code: 401, description: 'Unauthorized' });
    await call(key, PUBLISH, { t: token, d: publishedData('submission', deviceView) });
    tg.send(ADMIN_CHAT, '/webhooks');
    tg.send(ADMIN_CHAT, '/status');
    tg.send(ADMIN_CHAT, '/logs');
    await eventually(() => logged.some((l) => l.includes('"level":40') && /Telegram|alert/.test(l)) || undefined, 'a refused Telegram call logged');
    await eventually(() => tg.calls.filter((c) => c.method === 'sendMessage').length >= 4 || undefined, 'bot replies');

    // ---- reading everything back -----------------------------------------------------------
    const logs = await call<{ deliveryLogs: { edges: Array<{ node: { id: string } }> } }>(key, '{ deliveryLogs(first: 50) { edges { node { id webhookName url httpCode outcome } } } }');
    for (const { node } of logs.data!.deliveryLogs.edges.slice(0, 12)) {
      await call(key, 'query($id: ID!) { attempt(id: $id) { httpCode error responseBody diagnosis { code cause fix } } }', { id: node.id });
    }
    await call(key, '{ webhooks(first: 10) { edges { node { id name url secretHint endpoints { id secretHint } } } } webhookSummary { total } apiKeys { id prefix label } }');
    await call(key, 'query($id: ID!) { webhookEndpoints(id: $id) { id url secretHint } troubleshoot(endpointId: $id) { healthy checks { check detail fix } } }', { id: hooks[1]!.endpointId });
    await call(key, 'query($t: ID!) { testTarget(id: $t) { payloadPreview scenario } }', { t: hooks[0]!.target });

    // ---- bad input, with secrets in the same request -----------------------------------
    const s3 = secret('secret in bad input');
    const bad = (over: Record<string, unknown>) => ({ name: 'Bad', url: `${rx.url}/ok`, secret: s3, deviceIds: [deviceId], events: ['SUBMISSION'], ...over });
    await call(key, SAVE, { i: bad({ name: 'nul\u0000name' }) });
    await call(key, SAVE, { i: bad({ name: 'safe\u202Egnp.exe' }) });
    await call(key, SAVE, { i: bad({ bogus: 1 }) });
    await call(key, SAVE, { i: bad({ events: ['ORDER_PAID'] }) });
    await call(key, SAVE, { i: bad({ deviceIds: undefined }) });
    await call(key, SAVE, { i: bad({ url: 'ftp://files.example.com' }) });
    await call(key, SAVE, { i: bad({ secret: secret('oversized secret', 'x'.repeat(600)) }) });
    await call(key, SAVE, { i: bad({ secret: `${s3}\r\nX-Evil: 1` }) });
    await call(key, `mutation { saveWebhooks(input: { name: "Bad", url: "${rx.url}/ok", secret: "${s3}", deviceIds: ["${deviceId}"], events: [SUBMISSION], bogus: 1 }) { webhookId } }`);
    await call(key, PUBLISH, { t: token, d: { nope: s3 } });
    await call(key, '{ me { id } nope }');
    for (let i = 0; i < 3; i++) await call(`kir_${randomBytes(32).toString('base64url')}`, '{ me { id } }');
    await call(secondKey, '{ me { id } }');
    await call(key, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: second.data!.createApiKey.key.id });
    await call(secondKey, '{ me { id } }');

    // ---- constraint violations (the ORM's error text inlines every bound value) ----------
    await admin.query(`alter table endpoint add constraint scan_no_violate check (name <> 'violate')`);
    await admin.query(`create unique index scan_one_url on endpoint (url, channel)`);
    const s5 = secret('secret in a violated insert');
    await call(key, SAVE, { i: bad({ name: 'violate', secret: s5, url: `${rx.url}/violate` }) });
    await call(key, SAVE, { i: bad({ name: 'dup', secret: s5, url: `${rx.url}/ok` }) });
    await admin.query('alter table endpoint drop constraint scan_no_violate; drop index scan_one_url');

    // ---- a database that does not answer, then drops every connection --------------------
    const s6 = secret('secret while the database is down');
    await admin.query('begin');
    await admin.query('lock table endpoint in access exclusive mode');
    await Promise.all([
      call(key, SAVE, { i: bad({ name: 'Locked', secret: s6 }) }),
      call(key, 'mutation($t: ID!) { sendTest(targetId: $t) { success } }', { t: hooks[0]!.target }),
      call(key, '{ webhooks(first: 5) { edges { node { id } } } }'),
      call(key, PUBLISH, { t: token, d: publishedData('submission', deviceView), k: 'during-outage' }),
    ]);
    await admin.query('commit');
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'kirisan-gateway'`);
    await call(key, SAVE, { i: bad({ name: 'After the drop', secret: s6 }) });
    await call(key, PUBLISH, { t: token, d: publishedData('submission', deviceView), k: 'during-outage' });
    await eventually(() => logged.some((l) => l.includes('57P01') || l.includes('Connection terminated')) || undefined, 'a dropped connection logged');

    live.close();
    await live.closed;
    for (const m of live.messages) responses.push({ what: 'websocket', text: JSON.stringify(m), mayShow: new Set() });
    for (const c of tg.calls) responses.push({ what: `bot ${c.method}`, text: JSON.stringify(c.payload), mayShow: new Set() });

    // ---- and nothing secret anywhere else ---------------------------------------------------
    const hits: string[] = [];
    for (const [name, value] of secrets) {
      const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
      for (const line of logged) if (forms.some((f) => line.includes(f))) hits.push(`log: ${name} in ${line.slice(0, 300)}`);
      for (const r of responses) if (!r.mayShow.has(name) && forms.some((f) => r.text.includes(f))) hits.push(`response: ${name} in ${r.what}: ${r.text.slice(0, 300)}`);
    }
    expect(hits).toEqual([]);

    // ---- the paths above were really taken ---------------------------------------------------
    const all = logged.join('');
    expect(all).toMatch(/check_violation|23514/);
    expect(all).toMatch(/unique_violation|23505/);
    expect(all).toContain('database unavailable: answered UNAVAILABLE');
    expect(all).toContain('"query":"insert endpoint"');
    expect(responses.some((r) => r.text.includes('"UNAVAILABLE"'))).toBe(true);
    expect(responses.some((r) => r.text.includes('INTERNAL_SERVER_ERROR'))).toBe(true);
    expect(responses.some((r) => r.text.includes('[redacted]'))).toBe(true);
  });
});
