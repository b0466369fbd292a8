import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import type { Core } from '../../src/core/index.js';
import { samplePayload } from '../../src/core/events/index.js';
import type { DeviceView } from '../../src/core/registry/devices.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/log.js';
import { createRuntime } from '../../src/runtime.js';

/**
 * The bench's side of the platform: a core of its own on the phase's database, used the way
 * the messaging platform and an account's admin use the gateway (save a webhook, Send test
 * to activate it, publish events).
 */
export interface BenchCore {
  core: Core;
  db: Database;
  /** A pool without the gateway's statement timeouts, for the bench's own bulk writes (fixtures, history). */
  seed: pg.Pool;
  close(): Promise<void>;
}

/** Secrets at rest in every bench database, as in production: the gateway processes get the same key. */
export const BENCH_ENCRYPTION_KEY = 'YmVuY2gtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtISE=';

export async function openBenchCore(url: string, poolMax = 24): Promise<BenchCore> {
  const config = loadConfig({ DATABASE_URL: url, ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false', DB_POOL_MAX: String(poolMax), ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY });
  const runtime = await createRuntime(config, { logger: createLogger('silent'), roles: [] });
  const seed = new pg.Pool({ connectionString: url, max: 2 });
  let closed: Promise<void> | null = null;
  return {
    core: runtime.core,
    db: runtime.db,
    seed,
    // Idempotent: a phase closes it when done, and the bench's cleanup again if it failed.
    close: () => (closed ??= seed.end().then(() => runtime.stop())),
  };
}

export interface Fixture {
  accountId: string;
  apiKey: string;
  device: DeviceView;
  /** One active endpoint per receiver URL, in the same order. */
  endpointIds: string[];
  /** What the platform publishes: the sample submission minus the gateway's own fields. */
  data: Record<string, unknown>;
}

/** An account with one WhatsApp device and one active endpoint per URL, all subscribed to `submission`. */
export async function seedFixture(core: Core, urls: string[], name = 'Bench'): Promise<Fixture> {
  const { account, apiKey } = await core.accounts.create({ name });
  const device = await core.devices.register(account.id, { channel: 'whatsapp', name: 'Bench line', identifier: '6281200000000', inboundHandler: 'webhook' });
  const endpointIds: string[] = [];
  for (const [i, url] of urls.entries()) {
    const saved = await core.webhooks.save(account.id, { name: `bench-${i}`, url: `${url}/hook`, deviceIds: [device.id], events: ['submission'] });
    const [target] = await core.tests.targets(account.id, { webhookId: saved.webhookId });
    const test = await core.tests.send(account.id, target!.id);
    if (!test.success) throw new Error(`Send test to ${url} failed: the endpoint stays Pending test`);
    endpointIds.push(saved.endpoints[0]!.id);
  }
  const { event: _e, device: _d, channel: _c, ...data } = samplePayload('submission', device);
  return { accountId: account.id, apiKey, device, endpointIds, data };
}
