import 'reflect-metadata';
import { loadConfig, type Config } from './config.js';
import { loadEnvFile } from './envFile.js';
import { seedDemo } from './demo.js';
import { createLogger, secretSettings } from './log.js';
import { createRuntime, type Runtime } from './runtime.js';

/** Exit codes: 0 after a graceful stop, 1 when start or stop failed, 78 on a bad configuration, 128+n on a second signal. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** What a stop may take beyond the grace (recording the last results, closing pools), ms. */
const STOP_MARGIN_MS = 5_000;
/**
 * A repeat of the first signal this soon is the same stop, not a second one: Ctrl-C under
 * `npm start` reaches the gateway twice, from the terminal (the whole process group) and
 * forwarded by npm. ms.
 */
const SAME_SIGNAL_MS = 1_000;

/** `npm start`: validates the configuration, starts the gateway, stops it gracefully on SIGTERM or SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  let envFile: string | null;
  try {
    envFile = loadEnvFile();
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(78);
  }
  const log = createLogger(config.logLevel, { pretty: process.stdout.isTTY === true && !config.production, secrets: secretSettings(config) });
  if (envFile) log.info({ file: envFile }, 'settings read from the file (variables set in the environment win)');

  // Installed before anything starts, so that a signal during start-up is a stop too.
  let runtime: Runtime | null = null;
  let signalled: { signal: NodeJS.Signals; at: number } | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled && signalled.signal === signal && performance.now() - signalled.at < SAME_SIGNAL_MS) return;
    if (signalled) {
      log.warn({ signal }, 'second signal: exiting at once');
      runtime?.stopNow();
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
    signalled = { signal, at: performance.now() };
    log.info({ signal, graceMs: config.lifecycle.shutdownGraceMs }, 'stopping: no new work is taken; in-flight deliveries finish or are handed back');
    const deadline = setTimeout(() => {
      log.error('the stop took longer than the grace allows: exiting');
      process.exit(1);
    }, config.lifecycle.shutdownGraceMs + STOP_MARGIN_MS);
    deadline.unref();
    if (!runtime) return; // start-up notices `signalled` and stops what it started
    runtime.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  runtime = await createRuntime(config, { logger: log });
  if (signalled) {
    await runtime.stop();
    log.info('stopped');
    process.exit(0);
  }
  // Only the process that serves the API seeds (so that worker-only processes never race it).
  const demo = config.roles.includes('api') ? await seedDemo(runtime.core, runtime.db) : null;
  if (demo) {
    // Printed once, on the first start only: the key is stored hashed and cannot be shown again.
    process.stdout.write(
      [
        '',
        'A demo account was created with one device per channel.',
        `  Account id: ${demo.accountId}`,
        `  API key:    ${demo.apiKey}   (shown once: keep it)`,
        runtime.url ? `  API:        ${runtime.url}/graphql` : '',
        '',
        'Next steps:',
        runtime.url
          ? `  1. Open ${runtime.url}/graphql in a browser (the API explorer), paste the API key, run the starter query.`
          : '  1. Start a process with the api role to use the API explorer at /graphql.',
        '  2. See a whole delivery happen (save → test → Active → live events → a failure explained): npm run demo',
        '  3. Point a webhook at your own server: README.md, "Five minutes to a first delivery".',
        '',
      ].join('\n') + '\n',
    );
  }
  if (runtime.url && config.roles.includes('api')) log.info(`Kirisan webhook gateway ready at ${runtime.url}/graphql`);
  log.info({ roles: config.roles }, 'gateway ready');
}

main().catch((e: unknown) => {
  process.stderr.write(`The gateway could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  if (e instanceof Error && e.cause) process.stderr.write(`  cause: ${String(e.cause)}\n`);
  process.exit(1);
});
