import 'reflect-metadata';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger, secretSettings } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';

/**
 * `npm run migrate`: applies pending migrations (under the same advisory lock the gateway
 * takes at start) and exits, for deploys that migrate before starting processes with
 * MIGRATE_ON_START=false. Uses DATABASE_URL, else the embedded PostgreSQL under DATA_DIR.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 78;
  }
  const log = createLogger(config.logLevel, { secrets: secretSettings(config) });
  const runtime = await createRuntime({ ...config, lifecycle: { ...config.lifecycle, migrateOnStart: true } }, { logger: log, roles: [] });
  await runtime.stop();
  log.info('the database schema is up to date');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`Migrations failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
