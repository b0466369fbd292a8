import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthLimiter } from '../src/core/security/authLimiter.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, ok, PLATFORM_KEY, startApiGateway } from './helpers/api.js';
import { startGatewayProcess } from './helpers/processes.js';
import { rawSocket } from './helpers/rawSocket.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * Authentication that bites: a WebSocket without a valid key never gets `connection_ack`,
 * revoking a key closes every socket authenticated with it (in every process), and an
 * address that keeps sending wrong keys is answered 429.
 */

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  api = await startApiGateway({ ROLES: 'api,workers' });
  gw = await startTestGateway({}, { url: api.dbUrl });
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/crm`, deviceIds: [acct.wa.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await api.close();
  await rx.close();
});

const LIVE_LOG = { id: '1', type: 'subscribe', payload: { query: 'subscription { deliveryAttempts { id webhookName } }' } };
const newKey = async (label: string) => (await gw.core.accounts.createApiKey(acct.accountId, { label })).apiKey;
const keyIdOf = async (apiKey: string) => (await gw.core.accounts.listApiKeys(acct.accountId)).find((k) => apiKey.startsWith(k.prefix) && !k.revokedAt)!.id;

describe('WebSocket connections are authenticated at connect', () => {
  it.each([
    ['no key', {}],
    ['an empty key', { authorization: '' }],
    ['a value that is not "Bearer <key>"', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an unknown key', { authorization: 'Bearer kir_0000000000000000000000000000000000000000000' }],
  ])('%s: closed with 4403 before any acknowledgement', async (_what, params) => {
    const s = rawSocket(api.http, params);
    expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden' });
    expect(s.messages).toEqual([]);
  });

  it('a revoked key: closed with 4403', async () => {
    const key = await newKey('soon revoked');
    await gw.core.accounts.revokeApiKey(acct.accountId, await keyIdOf(key));
    const s = rawSocket(api.http, { authorization: `Bearer ${key}` });
    expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden' });
    expect(s.messages).toEqual([]);
  });

  it('a valid key is acknowledged', async () => {
    const s = rawSocket(api.http, { authorization: `Bearer ${acct.apiKey}` });
    await s.acked;
    s.close();
    expect(await s.closed).toMatchObject({ code: 1005 });
  });
});

describe('revoking a key closes its sockets', () => {
  it('mid-subscription: the socket is closed with 4403 and the account\'s next attempt never reaches it', async () => {
    const key = await newKey('live log');
    const s = rawSocket(api.http, { authorization: `Bearer ${key}` });
    await s.acked;
    s.send(LIVE_LOG);
    const publish = () => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    await eventually(() => api.gateway.feeds.attempts.subscribers(acct.accountId) > 0, 'the subscription registered');
    await publish();
    await eventually(() => s.messages.some((m) => m.type === 'next'), 'the subscription delivering');
    const revoked = await ok(gqlClient(api.http, acct.apiKey)<{ revokeApiKey: { revokedAt: string } }>(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: await keyIdOf(key) }));
    expect(revoked.revokeApiKey.revokedAt).toEqual(expect.any(String));
    expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });
    const seen = s.messages.length;
    const n = rx.received.length;
    await publish();
    await rx.waitFor(n + 1);
    expect(s.messages).toHaveLength(seen);
  });

  it('in another gateway process: its open subscription is closed with 4403', async () => {
    const other = await startGatewayProcess({ DATABASE_URL: api.dbUrl, ROLES: 'api', HOST: '127.0.0.1', ALLOW_PRIVATE_TARGETS: 'true' }, 'GraphQL API listening');
    try {
      const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(other.output())![1]!;
      const key = await newKey('elsewhere');
      const s = rawSocket(base, { authorization: `Bearer ${key}` });
      await s.acked;
      s.send(LIVE_LOG);
      await gw.core.accounts.revokeApiKey(acct.accountId, await keyIdOf(key));
      expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });
    } finally {
      await other.stop();
    }
  });

  it('a revocation made while the LISTEN connection was lost is caught up when it is back', async () => {
    const key = await newKey('missed notification');
    const s = rawSocket(api.http, { authorization: `Bearer ${key}` });
    await s.acked;
    const admin = new pg.Client(api.dbUrl);
    await admin.connect();
    try {
      // Revoked behind the gateway's back (no NOTIFY at all), then the LISTEN connection dropped.
      await admin.query('update api_key set revoked_at = now() where id = $1', [await keyIdOf(key)]);
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'LISTEN %' or (datname = current_database() and query = 'select 1' and backend_type = 'client backend' and pid <> pg_backend_pid())`);
      expect(rowCount).toBeGreaterThan(0);
      expect(await s.closed).toEqual({ code: 4403, reason: 'Forbidden: the API key was revoked' });
    } finally {
      await admin.end();
    }
  });
});

describe('failed authentication is rate limited per client address', () => {
  it('after AUTH_FAILURE_LIMIT wrong keys, the address gets 429 with Retry-After, a correct key included, over HTTP and WebSocket', async () => {
    const strict = await startApiGateway({ ROLES: 'api', AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW: '10m' }, { url: api.dbUrl });
    try {
      const me = (key: string) => gqlClient(strict.http, key)('{ me { id } }');
      expect((await me(acct.apiKey)).data).toEqual({ me: { id: acct.accountId } });
      for (let i = 0; i < 5; i++) {
        const r = await me(`kir_wrong${i}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`);
        expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      const res = await fetch(`${strict.http}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${acct.apiKey}` }, body: '{"query":"{ me { id } }"}' });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(500);
      expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }] });
      expect(await rawSocket(strict.http, { authorization: `Bearer ${acct.apiKey}` }).closed).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
      // No key at all is not a failed authentication: the platform's unauthenticated calls are another matter.
      expect((await gqlClient(strict.http)('{ me { id } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // Other addresses are not affected (the platform key from the same machine is: same address).
      expect((await fetch(`${strict.http}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` }, body: '{"query":"{ me { id } }"}' })).status).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it('behind a trusted proxy the address is the last X-Forwarded-For hop', async () => {
    const proxied = await startApiGateway({ ROLES: 'api', AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: 'true' }, { url: api.dbUrl });
    try {
      const from = (address: string, key: string) =>
        fetch(`${proxied.http}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': `203.0.113.9, ${address}` }, body: '{"query":"{ me { id } }"}' });
      await from('198.51.100.1', 'kir_wrong');
      await from('198.51.100.1', 'kir_wrong');
      expect((await from('198.51.100.1', acct.apiKey)).status).toBe(429);
      expect((await from('198.51.100.2', acct.apiKey)).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('the window ends: the address may try again (fixed windows per address)', () => {
    let now = 0;
    const limiter = createAuthLimiter({ failureLimit: 3, failureWindowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) limiter.failed('a');
    expect(limiter.retryAfterSeconds('a')).toBe(60);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    now = 59_001;
    expect(limiter.retryAfterSeconds('a')).toBe(1);
    now = 60_000;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    expect(createAuthLimiter({ failureLimit: 0, failureWindowMs: 1 }).retryAfterSeconds('a')).toBe(0);
  });
});
