import { defineConfig } from '@mikro-orm/postgresql';
import { Account, AdminChat, AdminLinkCode, AlertState, AlertWebhook, ApiKey, ChatSession, Device, Endpoint } from './entities/index.js';
import { migrationsList } from './migrations/index.js';
import { Migrator } from '@mikro-orm/migrations';
import type { Vault } from '../core/security/vault.js';
import { sealColumns } from './sealedText.js';

/**
 * MikroORM options for a connection string; also what the `mikro-orm` CLI loads (from dist).
 * With a vault, the endpoint's secret and signing key are sealed at rest (db/sealedText.ts).
 */
export function ormConfig(clientUrl: string, poolMax = 10, vault?: Vault) {
  return defineConfig({
    clientUrl,
    entities: [Account, ApiKey, Device, Endpoint, AdminChat, AdminLinkCode, ChatSession, AlertState, AlertWebhook],
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false, ...(vault ? { onMetadata: sealColumns(vault) } : {}) },
    pool: { min: 0, max: poolMax },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList,
      path: './dist/src/db/migrations',
      pathTs: './src/db/migrations',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      silent: true,
      // Migrations are written by hand; the ORM's schema snapshot would only go stale.
      snapshot: false,
    },
    debug: false,
    allowGlobalContext: false,
  });
}

export default ormConfig(process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres');
