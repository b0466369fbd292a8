import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createLogger } from '../src/log.js';
import { PLATFORM_KEY, wsClient } from './helpers/api.js';
import { createTestDatabase } from './helpers/db.js';
import { eventually, fakeResolver, testConfig } from './helpers/gateway.js';

/** Every HTTP request and GraphQL operation has a request id and one access log line; CORS as configured. */

interface Line {
  msg: string;
  level: number;
  time: string;
  reqId?: string;
  [k: string]: unknown;
}

async function start(env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const out = new PassThrough();
  const lines: Line[] = [];
  let buffered = '';
  out.on('data', (c: Buffer) => {
    buffered += c.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) if (p) lines.push(JSON.parse(p) as Line);
  });
  const config = testConfig({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', ROLES: 'api', PLATFORM_API_KEY: PLATFORM_KEY, ...env });
  const gateway: Runtime = await createRuntime(config, { logger: createLogger('info', { destination: out }), resolve: fakeResolver });
  return {
    gateway,
    lines,
    async close() {
      await gateway.stop();
      await db.drop();
    },
  };
}

const graphql = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}`, ...headers }, body: JSON.stringify(body) });

describe('request ids and the access log', () => {
  let gw: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    gw = await start();
  });
  afterAll(async () => gw?.close());

  it('takes the caller\'s X-Request-Id, returns it, and writes one access line with it, the operation and the status', async () => {
    const res = await graphql(gw.gateway.url!, { query: 'mutation CreateAcme { createAccount(name: "Acme") { account { id } } }' }, { 'x-request-id': 'req-from-the-proxy-42' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-from-the-proxy-42');
    const line = await eventually(() => gw.lines.find((l) => l.msg === 'request' && l.reqId === 'req-from-the-proxy-42'), 'the access line');
    expect(line).toMatchObject({ method: 'POST', path: '/graphql', status: 200, operation: 'CreateAcme', durationMs: expect.any(Number) });
    // JSON lines with ISO times, not epoch milliseconds.
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(gw.lines.filter((l) => l.reqId === 'req-from-the-proxy-42' && l.msg === 'request')).toHaveLength(1);
  });

  it('makes one up when none (or an unusable one) is sent', async () => {
    const plain = await fetch(`${gw.gateway.url}/healthz`);
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await fetch(`${gw.gateway.url}/healthz`, { headers: { 'x-request-id': 'has spaces and <html>' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await fetch(`${gw.gateway.url}/nowhere?token=secret-value`);
    expect(notFound.status).toBe(404);
    const line = await eventually(() => gw.lines.find((l) => l.msg === 'request' && l.reqId === notFound.headers.get('x-request-id')), 'the 404 line');
    // The query string (which may carry a secret) is not logged.
    expect(line).toMatchObject({ path: '/nowhere', status: 404 });
    expect(JSON.stringify(gw.lines)).not.toContain('secret-value');
  });

  it('gives every subscription over WebSocket its own request id, logged when it starts and ends', async () => {
    const key = ((await (await graphql(gw.gateway.url!, { query: 'mutation { createAccount(name: "Live") { apiKey } }' })).json()) as { data: { createAccount: { apiKey: string } } }).data.createAccount.apiKey;
    const client = wsClient(gw.gateway.url!, key);
    const off = client.subscribe({ query: 'subscription Watch { deliveryAttempts { id } }', operationName: 'Watch' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    const started = await eventually(() => gw.lines.find((l) => l.msg === 'subscription started'), 'the subscription line');
    expect(started).toMatchObject({ operation: 'Watch', transport: 'websocket', reqId: expect.stringMatching(/^[0-9a-f-]{36}:.+/) });
    off();
    const ended = await eventually(() => gw.lines.find((l) => l.msg === 'subscription ended'), 'the end line');
    expect(ended.reqId).toBe(started.reqId);
    await client.dispose();
  });
});

describe('CORS', () => {
  const preflight = (base: string, origin: string) =>
    fetch(`${base}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });

  it('by default no other origin may call the API from a browser', async () => {
    const gw = await start();
    try {
      const res = await preflight(gw.gateway.url!, 'https://app.example.com');
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const post = await graphql(gw.gateway.url!, { query: '{ __typename }' }, { origin: 'https://app.example.com' });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await gw.close();
    }
  });

  it('the origins in CORS_ORIGINS get their preflight answered and may read the responses', async () => {
    const gw = await start({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
    try {
      const res = await preflight(gw.gateway.url!, 'https://app.example.com');
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const post = await graphql(gw.gateway.url!, { query: '{ __typename }' }, { origin: 'https://admin.example.com' });
      expect(post.status).toBe(200);
      expect(post.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
      expect(post.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect((await preflight(gw.gateway.url!, 'https://evil.example.net')).status).toBe(403);
    } finally {
      await gw.close();
    }
  });
});
