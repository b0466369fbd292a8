import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { Config, Env } from '../../src/config.js';
import { catalogue } from '../../src/core/catalogue/index.js';
import type { PublishResult } from '../../src/core/dispatch/publish.js';
import type { AttemptView } from '../../src/core/logs/attempts.js';
import type { DeviceView } from '../../src/core/registry/devices.js';
import type { SaveResult } from '../../src/core/registry/webhooks.js';
import type { Channel, EventType, SubscribedEvent } from '../../src/core/terms.js';
import type { Database } from '../../src/db/database.js';
import { gqlClient, PLATFORM_KEY, startApiGateway } from './api.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './gateway.js';
import { startReceiver, type Receiver, type Responder } from './receiver.js';
import { publishedData } from './samples.js';

/**
 * What a test file starts from, set up once before its tests and taken down after them:
 *
 *   const f = useGateway({ worker: true });
 *   it('…', async () => {
 *     const saved = await f.activate({ path: '/crm', deviceIds: [f.acct.wa.id], events: ['submission'] });
 *     await f.publish(f.acct.wa, 'submission');
 *   });
 *
 * A test that changes what others see (a webhook that every publish reaches) works on its own
 * device (`f.device`) or its own path, so that no test depends on another having run.
 */
export type SeededAccount = Awaited<ReturnType<typeof seedAccount>>;

export interface GatewayOptions {
  /** Settings beyond the test defaults (helpers/gateway.ts testConfig). */
  env?: Partial<Record<keyof Env, string>>;
  /** A delivery worker in this process, with these settings over the configured ones. */
  worker?: boolean | Partial<Config['delivery']>;
  /** How the receiver answers; 200 "ok" by default. */
  receiver?: Responder;
}

export interface GatewayFixture {
  /** A core (and the worker, when asked) on a database of its own. */
  gw: TestGateway;
  /** A receiver on 127.0.0.1 standing in for the customer's server. */
  rx: Receiver;
  /** "Acme": one device per channel, every handler Webhook. */
  acct: SeededAccount;
  /** "Other": a second account, for what one account must never see of another. */
  other: SeededAccount;
  /** Save → test a webhook POSTing to the receiver at `path`; the activation test must succeed. */
  activate(p: { path: string; deviceIds: string[]; events: SubscribedEvent[]; name?: string; accountId?: string }): Promise<SaveResult>;
  /** Publishes `event` from `device` with the sample data, as the device's account (or the platform: null). */
  publish(device: DeviceView, event?: EventType, accountId?: string | null): Promise<PublishResult>;
  /** Waits for at least `n` live attempts of an endpoint of Acme's (or `accountId`'s) and returns them, oldest first. */
  liveAttempts(endpointId: string, n: number, accountId?: string): Promise<AttemptView[]>;
  /** A new device of Acme's (or `accountId`'s), for a test whose publishes must reach its own webhooks only. */
  device(channel: Channel, accountId?: string): Promise<DeviceView>;
  /** Every table's rows, as a fingerprint (see tableSnapshot). */
  snapshot(): Promise<Record<string, string>>;
}

export function useGateway(opts: GatewayOptions = {}): GatewayFixture {
  const f = fixtureMethods({} as GatewayFixture);
  beforeAll(async () => {
    f.gw = await startTestGateway(opts.env);
    f.rx = await startReceiver(opts.receiver);
    f.acct = await seedAccount(f.gw.core, 'Acme');
    f.other = await seedAccount(f.gw.core, 'Other');
    if (opts.worker) f.gw.startWorker(opts.worker === true ? {} : opts.worker);
  });
  afterAll(async () => {
    await f.gw?.close();
    await f.rx?.close();
  });
  return f;
}

export interface ApiFixture extends GatewayFixture {
  /** The API's base URL (GraphQL at /graphql, HTTP and WebSocket). */
  http: string;
  /** GraphQL over HTTP with Acme's key, Other's key, and the platform's key. */
  gql: ReturnType<typeof gqlClient>;
  otherGql: ReturnType<typeof gqlClient>;
  platform: ReturnType<typeof gqlClient>;
  /** The database both gateways share (for a gateway process a test starts). */
  dbUrl: string;
  api: Awaited<ReturnType<typeof startApiGateway>>;
}

/**
 * A real API gateway (its roles from `apiEnv`, `api,workers` by default) and, on the same
 * database, a core for arranging what a test needs and checking what it did.
 */
export function useApiGateway(opts: GatewayOptions & { apiEnv?: Partial<Record<keyof Env, string>> } = {}): ApiFixture {
  const f = fixtureMethods({} as ApiFixture);
  beforeAll(async () => {
    f.api = await startApiGateway({ ...opts.env, ...opts.apiEnv });
    f.http = f.api.http;
    f.dbUrl = f.api.dbUrl;
    f.gw = await startTestGateway(opts.env, { url: f.api.dbUrl });
    f.rx = await startReceiver(opts.receiver);
    f.acct = await seedAccount(f.gw.core, 'Acme');
    f.other = await seedAccount(f.gw.core, 'Other');
    f.gql = gqlClient(f.http, f.acct.apiKey);
    f.otherGql = gqlClient(f.http, f.other.apiKey);
    f.platform = gqlClient(f.http, PLATFORM_KEY);
    if (opts.worker) f.gw.startWorker(opts.worker === true ? {} : opts.worker);
  });
  afterAll(async () => {
    await f.gw?.close();
    await f.api?.close();
    await f.rx?.close();
  });
  return f;
}

let devices = 0;

function fixtureMethods<F extends GatewayFixture>(f: F): F {
  return Object.assign(f, {
    activate: (p: Parameters<GatewayFixture['activate']>[0]) =>
      saveActive(f.gw.core, p.accountId ?? f.acct.accountId, { name: p.name ?? p.path, url: `${f.rx.url}${p.path}`, deviceIds: p.deviceIds, events: p.events }),
    publish: (device: DeviceView, event: EventType = 'submission', accountId: string | null = device.accountId) =>
      f.gw.core.dispatch.publish(accountId, { deviceToken: device.token, event, data: publishedData(event, device) }),
    liveAttempts: (endpointId: string, n: number, accountId = f.acct.accountId) =>
      eventually(async () => {
        const page = await f.gw.core.logs.list(accountId, { filter: { endpointId, test: false }, first: 100 });
        return page.items.length >= n ? page.items.reverse() : undefined;
      }, `${n} live attempts of endpoint ${endpointId}`),
    device: (channel: Channel, accountId = f.acct.accountId) =>
      f.gw.core.devices.register(accountId, { channel, name: `Device ${++devices}`, identifier: catalogue.channel(channel).sample.device.identifier, inboundHandler: 'webhook' }),
    snapshot: () => tableSnapshot(f.gw.db),
  });
}

/**
 * Every table's rows as a fingerprint (row count and a hash of the rows): a refused command
 * must leave it as it was. New tables are included without a change here; `except` names
 * tables that are not the account's data (the bot's conversation state).
 */
export async function tableSnapshot(db: Database, opts: { except?: string[] } = {}): Promise<Record<string, string>> {
  const { rows: tables } = await db.pool.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and c.relname <> 'mikro_orm_migrations'
      order by 1`,
  );
  const snapshot: Record<string, string> = {};
  for (const { name } of tables.filter((t) => !opts.except?.includes(t.name))) {
    const { rows } = await db.pool.query<{ n: number; h: string }>(
      `select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${pg.escapeIdentifier(name)} t`,
    );
    snapshot[name] = `${rows[0]!.n} rows, ${rows[0]!.h}`;
  }
  return snapshot;
}
