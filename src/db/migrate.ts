import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { connectionOptions, type DatabaseSettings } from './database.js';
import { LOCKS, withAdvisoryLock } from './advisoryLock.js';
import { ormConfig } from './mikro-orm.config.js';

/**
 * Applies pending migrations, one process at a time: the advisory lock is held on a
 * connection of its own while the migrator runs, so N processes starting together on an
 * empty database queue behind the first, and each of the others then finds nothing to do.
 * Returns the names applied by this call. No statement timeout here: a migration may
 * legitimately run long.
 */
export async function migrate(url: string, settings: DatabaseSettings): Promise<string[]> {
  const lock = new pg.Client({ ...connectionOptions(url, settings), statement_timeout: 0, query_timeout: undefined });
  await lock.connect();
  try {
    return await withAdvisoryLock(lock, LOCKS.migrations, async () => {
      const orm = await MikroORM.init({ ...ormConfig(url, 1), driverOptions: { acquireConnectionTimeout: settings.connectTimeoutMs } });
      try {
        const applied = await orm.getMigrator().up();
        return applied.map((m) => m.name);
      } finally {
        await orm.close(true);
      }
    });
  } finally {
    await lock.end().catch(() => undefined);
  }
}

/** Migrations not applied yet (readiness reports them; a process that did not migrate waits for a deploy that does). */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
}
