import { loadConfig, type Config, type Env } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { Listener } from '../../src/db/listener.js';
import type { Core } from '../../src/core/index.js';
import type { Worker } from '../../src/core/dispatch/worker.js';
import type { AttemptFeed } from '../../src/core/logs/feed.js';
import type { Resolver } from '../../src/core/security/urlGuard.js';
import { createLogger } from '../../src/log.js';
import { createRuntime } from '../../src/runtime.js';
import { createTestDatabase } from './db.js';
import { HANG_GUARD_MS } from './waits.js';

/**
 * Database timeouts for a suite on a busy machine: production's defaults (2 s to connect, 3 s a
 * statement) answer UNAVAILABLE when the shared machine, not the database, is slow. Tests of
 * outages set their own.
 */
export const BUSY_MACHINE_DATABASE = { DB_CONNECT_TIMEOUT_MS: '15000', DB_STATEMENT_TIMEOUT_MS: '30000' } as const;

/** Every test gateway seals secrets at rest, as production should (and child processes share the key). */
export const TEST_ENCRYPTION_KEY = 'c2VjcmV0cy1hdC1yZXN0LWtleS1mb3ItdGVzdHMtMzI=';

/** Settings for tests: private targets allowed (receivers are on 127.0.0.1), short timers. */
export function testConfig(env: Partial<Record<keyof Env, string>> = {}): Config {
  return loadConfig({
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ALLOW_PRIVATE_TARGETS: 'true',
    RETRY_SCHEDULE: '200ms,400ms',
    RETRY_JITTER: '0',
    WORKER_POLL_MS: '100',
    DELIVERY_TIMEOUT_MS: '2000',
    TEST_TIMEOUT_MS: '2000',
    LEASE_MARGIN_MS: '1000',
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    SHUTDOWN_GRACE_MS: '2000',
    ...BUSY_MACHINE_DATABASE,
    ...env,
  });
}

/**
 * Fake DNS for outside-world names (tests never query real DNS): *.example.com is public,
 * internal.example.com resolves to a private address; everything else does not exist.
 */
export const fakeResolver: Resolver = async (host) => {
  if (host === 'internal.example.com') return [{ address: '10.1.2.3', family: 4 }];
  if (host.endsWith('example.com')) return [{ address: '93.184.215.14', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

export interface TestGateway {
  core: Core;
  db: Database;
  config: Config;
  listener: Listener;
  feed: AttemptFeed;
  url: string;
  startWorker(overrides?: Partial<Config['delivery']>): Worker;
  close(): Promise<void>;
}

/**
 * A core on its own fresh database (cloned from the migrated template), built by the same
 * composition root as `npm start` with no role running; workers start only when a test asks.
 */
export async function startTestGateway(env: Partial<Record<keyof Env, string>> = {}, opts: { url?: string } = {}): Promise<TestGateway> {
  const fresh = opts.url ? null : await createTestDatabase();
  const url = opts.url ?? fresh!.url;
  const config = testConfig({ DATABASE_URL: url, DB_POOL_MAX: '6', ...env });
  const runtime = await createRuntime(config, { logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), roles: [], resolve: fakeResolver });
  return {
    core: runtime.core,
    db: runtime.db,
    config,
    listener: runtime.listener,
    feed: runtime.feeds.attempts,
    url,
    startWorker: runtime.startWorker,
    async close() {
      await runtime.stop();
      await fresh?.drop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false (see HANG_GUARD_MS). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what = 'condition'): Promise<T> {
  const deadline = Date.now() + HANG_GUARD_MS;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An account with one device per channel, all handling inbound messages by Webhook. */
export async function seedAccount(core: Core, name = 'Acme') {
  const { account, apiKey } = await core.accounts.create({ name });
  const wa = await core.devices.register(account.id, { channel: 'whatsapp', name: 'Support line', identifier: '6281234567890', inboundHandler: 'webhook' });
  const tg = await core.devices.register(account.id, { channel: 'telegram', name: 'Helpdesk bot', identifier: 'acme_help_bot', inboundHandler: 'webhook' });
  const waba = await core.devices.register(account.id, { channel: 'waba', name: 'Sales', identifier: '6281298765432', inboundHandler: 'webhook' });
  return { accountId: account.id, apiKey, wa, tg, waba };
}

/** Save → test in one step: saves the webhook and activates it with a Send test that must succeed. */
export async function saveActive(core: Core, accountId: string, input: Parameters<Core['webhooks']['save']>[1]) {
  const saved = await core.webhooks.save(accountId, input);
  const [target] = await core.tests.targets(accountId, { webhookId: saved.webhookId });
  const result = await core.tests.send(accountId, target!.id);
  if (!result.success) throw new Error(`activation test failed: ${result.errorText ?? result.httpStatus}`);
  return saved;
}

/**
 * What became of an endpoint's live deliveries: waiting (or retrying), failed for good, and
 * delivered. A delivered delivery leaves the queue; its successful attempt is its record.
 */
export async function deliveryStates(db: Database, endpointId: string): Promise<{ pending: number; failed: number; delivered: number }> {
  const { rows } = await db.pool.query<{ pending: number; failed: number; delivered: number }>(
    `select (select count(*)::int from delivery where endpoint_id = $1 and status = 'pending') as pending,
            (select count(*)::int from delivery where endpoint_id = $1 and status = 'failed') as failed,
            (select count(distinct a.delivery_id)::int from attempt a
              where a.endpoint_id = $1 and not a.test and a.outcome = 'success'
                and not exists (select 1 from delivery d where d.id = a.delivery_id)) as delivered`,
    [endpointId],
  );
  return rows[0]!;
}
