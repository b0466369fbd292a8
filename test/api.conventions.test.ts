import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../src/graphql/schema.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { gqlClient, ok, PLATFORM_KEY, startApiGateway } from './helpers/api.js';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  api = await startApiGateway({ ROLES: 'api' });
  gw = await startTestGateway({}, { url: api.dbUrl });
  acct = await seedAccount(gw.core);
  // 60 webhooks and 120 attempts, to page through
  for (let i = 0; i < 60; i++) {
    await gw.core.webhooks.save(acct.accountId, { name: `Hook ${i}`, url: `https://hooks${i}.example.com/k`, deviceIds: [acct.wa.id, acct.tg.id], events: ['submission'] });
  }
  await gw.db.pool.query(
    `insert into attempt (account_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test, started_at, duration_ms, http_code, outcome, attempt_number)
     select $1, null, 'Hook', $2, 'whatsapp', 'submission', 'https://x.example.com', false, now() - g * interval '1 second', 12, 200, 'success', 1
       from generate_series(1, 120) g`,
    [acct.accountId, acct.wa.id],
  );
});
afterAll(async () => {
  await gw.close();
  await api.close();
});

describe('API conventions', () => {
  it('no key → UNAUTHENTICATED; an unknown key → UNAUTHENTICATED; the platform key on account data → FORBIDDEN', async () => {
    for (const key of [undefined, 'kir_not-a-real-key']) {
      const r = await gqlClient(api.http, key)(`{ webhooks { edges { node { id } } } }`);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const r = await gqlClient(api.http, PLATFORM_KEY)(`{ webhookSummary { active } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noPlatform = await gqlClient(api.http, acct.apiKey)(`mutation { createAccount(name: "x") { apiKey } }`);
    expect(noPlatform.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a revoked key stops working at once', async () => {
    const gql = gqlClient(api.http, acct.apiKey);
    const { createApiKey } = await ok(gql<{ createApiKey: { key: { id: string }; apiKey: string } }>(`mutation { createApiKey(input: { label: "ci" }) { key { id prefix } apiKey } }`));
    const second = gqlClient(api.http, createApiKey.apiKey);
    expect((await ok(second<{ me: { name: string } }>(`{ me { name } }`))).me.name).toBe('Acme');
    await ok(gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: createApiKey.key.id }));
    expect((await second(`{ me { name } }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('pages are capped, and a cursor is bound to its filter', async () => {
    const gql = gqlClient(api.http, acct.apiKey);
    const big = await gql(`{ deliveryLogs(first: 1000) { edges { node { id } } } }`);
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const page = await ok(gql<{ deliveryLogs: { pageInfo: { endCursor: string } } }>(`{ deliveryLogs(first: 2) { pageInfo { endCursor hasNextPage } } }`));
    const moved = await gql(`query($a: String) { deliveryLogs(first: 2, after: $a, filter: { statuses: [FAILED] }) { edges { node { id } } } }`, { a: page.deliveryLogs.pageInfo.endCursor });
    expect(moved.errors?.[0]).toMatchObject({ message: expect.stringContaining('filter changed'), extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_CURSOR' } });
  });

  it('a page of 50 rows costs the same number of SQL statements as a page of 5 (no N+1)', async () => {
    const gql = gqlClient(api.http, acct.apiKey);
    const cost = async (query: string) => {
      const before = api.gateway.db.statements();
      await ok(gql(query));
      return api.gateway.db.statements() - before;
    };
    const webhooks = (n: number) => `{ webhooks(first: ${n}) { edges { node { id name channel deviceCount events status endpoints { id devices { id label } } } } pageInfo { hasNextPage } } }`;
    const logs = (n: number) => `{ deliveryLogs(first: ${n}) { edges { node { id webhookName event channel device { name } httpCode } } } }`;
    const [w5, w50, l5, l50] = [await cost(webhooks(5)), await cost(webhooks(50)), await cost(logs(5)), await cost(logs(50))];
    expect(w50).toBe(w5);
    expect(l50).toBe(l5);
    expect(w50).toBeLessThanOrEqual(4);
    expect(l50).toBeLessThanOrEqual(2);
  });

  it('too deep or too costly operations are refused before they run', async () => {
    const shallow = await startApiGateway({ ROLES: 'api', GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COMPLEXITY: '500' }, { url: api.dbUrl });
    try {
      const gql = gqlClient(shallow.http, acct.apiKey);
      expect((await gql(`{ webhooks { edges { node { id } } } }`)).errors).toBeUndefined();
      const tooDeep = await gql(`{ webhooks { edges { node { endpoints { devices { id } } } } } }`);
      expect(tooDeep.errors?.[0]).toMatchObject({ message: 'Query depth limit of 4 exceeded, found 6.', extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 4 } });
      // cost: every field 1, a page multiplies its rows by `first`, a root field 10 more
      const logs = (n: number) => `{ deliveryLogs(first: ${n}) { edges { node { id webhookName event channel url outcome } } } }`;
      expect((await gql(logs(20))).errors).toBeUndefined();
      expect((await gql(logs(100))).errors?.[0]).toMatchObject({ message: expect.stringContaining('too costly'), extensions: { code: 'QUERY_TOO_COMPLEX' } });
    } finally {
      await shallow.close();
    }
  });

  it('internal details never reach the client', async () => {
    const gql = gqlClient(api.http, acct.apiKey);
    const r = await gql(`{ attempt(id: "99999999999999999999") { id } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(r)).not.toMatch(/stack|select |at [A-Za-z]+ \(/);
  });

  it('GET /healthz and /readyz answer, naming the roles the process runs', async () => {
    expect(await (await fetch(`${api.http}/healthz`)).json()).toEqual({ status: 'ok', roles: ['api'] });
    const ready = await fetch(`${api.http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', roles: ['api'], pendingMigrations: 0 });
  });

  it('the bot role without TELEGRAM_BOT_TOKEN is off, and /healthz does not name it', async () => {
    const botless = await startApiGateway({ ROLES: 'api,bot' }, { url: api.dbUrl });
    try {
      expect(botless.gateway.config.telegramBotToken).toBeFalsy();
      expect(await (await fetch(`${botless.http}/healthz`)).json()).toEqual({ status: 'ok', roles: ['api'] });
    } finally {
      await botless.close();
    }
  });

  it('schema.graphql is the printed schema (run `npm run schema` after changing the API)', async () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(`${printSchema(await buildGatewaySchema())}\n`);
  });
});
