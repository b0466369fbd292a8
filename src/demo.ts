import { catalogue } from './core/catalogue/index.js';
import type { Core } from './core/index.js';
import { LOCKS, withAdvisoryLock } from './db/advisoryLock.js';
import type { Database } from './db/database.js';

/**
 * On an empty database, a demo account with one device per channel, so that a newcomer
 * can add a webhook and send a test right after `npm start`. Returns the API key (shown
 * once), or null when the database already had accounts.
 */
export async function seedDemo(core: Core, db: Database): Promise<{ accountId: string; apiKey: string } | null> {
  // Several api processes may start together on an empty database: one seeds, the others see it done.
  const client = await db.pool.connect();
  try {
    return await withAdvisoryLock(client, LOCKS.demoSeed, () => seedOnce(core));
  } finally {
    client.release();
  }
}

async function seedOnce(core: Core): Promise<{ accountId: string; apiKey: string } | null> {
  if ((await core.accounts.count()) > 0) return null;
  const { account, apiKey } = await core.accounts.create({ name: 'Demo account' });
  for (const channel of catalogue.channels) {
    await core.devices.register(account.id, { channel: channel.id, ...channel.sample.device });
  }
  return { accountId: account.id, apiKey };
}
