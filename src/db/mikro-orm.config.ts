import { defineConfig } from '@mikro-orm/postgresql';
import { Account, ApiKey, Device, Endpoint } from './entities/index.js';
import { migrationsList } from './migrations/index.js';
import { Migrator } from '@mikro-orm/migrations';

/** MikroORM options for a connection string; also what the `mikro-orm` CLI loads (from dist). */
export function ormConfig(clientUrl: string, poolMax = 10) {
  return defineConfig({
    clientUrl,
    entities: [Account, ApiKey, Device, Endpoint],
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
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
    },
    debug: false,
    allowGlobalContext: false,
  });
}

export default ormConfig(process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres');
