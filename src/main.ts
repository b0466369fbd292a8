import 'reflect-metadata';
import { loadConfig } from './config.js';
import { loadEnvFile } from './envFile.js';
import { seedDemo } from './demo.js';
import { startGateway } from './gateway.js';
import { createLogger } from './log.js';

/** `npm start`: validates the configuration, starts the gateway, stops it cleanly on a signal. */
async function main(): Promise<void> {
  let config;
  let envFile: string | null;
  try {
    envFile = loadEnvFile();
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(78);
  }
  const log = createLogger(config.logLevel, { pretty: process.stdout.isTTY === true && !config.production });
  if (envFile) log.info({ file: envFile }, 'settings read from the file (variables set in the environment win)');
  const gateway = await startGateway(config, { logger: log });
  // Only the process that serves the API seeds (so that worker-only processes never race it).
  const demo = config.roles.includes('api') ? await seedDemo(gateway.core) : null;
  if (demo) {
    // Printed once, on the first start only: the key is stored hashed and cannot be shown again.
    process.stdout.write(
      [
        '',
        'A demo account was created with one device per channel.',
        `  Account id: ${demo.accountId}`,
        `  API key:    ${demo.apiKey}   (shown once: keep it)`,
        gateway.url ? `  API:        ${gateway.url}/graphql` : '',
        '',
        'Next steps:',
        gateway.url
          ? `  1. Open ${gateway.url}/graphql in a browser (the API explorer), paste the API key, run the starter query.`
          : '  1. Start a process with the api role to use the API explorer at /graphql.',
        '  2. See a whole delivery happen (save → test → Active → live events → a failure explained): npm run demo',
        '  3. Point a webhook at your own server: README.md, "Five minutes to a first delivery".',
        '',
      ].join('\n') + '\n',
    );
  }
  if (gateway.url) log.info(`Kirisan webhook gateway ready at ${gateway.url}/graphql`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    gateway.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`The gateway could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  if (e instanceof Error && e.cause) process.stderr.write(`  cause: ${String(e.cause)}\n`);
  process.exit(1);
});
