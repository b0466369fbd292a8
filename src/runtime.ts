import path from 'node:path';
import type { Config, Role } from './config.js';
import { createBot, type BotOptions, type TelegramBot } from './bot/createBot.js';
import { startAlertSender } from './core/alerts/outbox.js';
import { startAlertService } from './core/alerts/service.js';
import { startDisabledAlerts } from './core/alerts/disabledAlerts.js';
import { startQueueRepair } from './core/dispatch/queueRepair.js';
import { startQueueVacuum } from './core/dispatch/queueVacuum.js';
import { createSender } from './core/dispatch/sender.js';
import { startWorker, type Worker } from './core/dispatch/worker.js';
import { catalogue } from './core/catalogue/index.js';
import { createCore, type Core } from './core/index.js';
import { createAttemptFeed, type AttemptFeed } from './core/logs/feed.js';
import { startRetention } from './core/logs/retention.js';
import { createEndpointStatusFeed, type EndpointStatusFeed } from './core/registry/endpointStatusFeed.js';
import type { Resolver } from './core/security/urlGuard.js';
import { createVault, parseKey } from './core/security/vault.js';
import { openDatabase, type Database } from './db/database.js';
import { embeddedKey } from './db/keyFile.js';
import { checkSecretsAtRest, sealSecretsAtRest } from './db/secretsAtRest.js';
import { createListener, type Listener } from './db/listener.js';
import { readInstallationId } from './db/sql/installation.js';
import { migrate } from './db/migrate.js';
import type { Route } from './http/serve.js';
import { startHttpServer, startMetricsServer, type GraphQLHandler, type HttpServer } from './http/server.js';
import type { Logger } from './log.js';
import { createMetrics, METRICS_PATH } from './observability/metrics.js';
import { observedNotifier } from './observability/observedNotifier.js';
import { startTracing } from './observability/tracing.js';

/**
 * The one composition root: `main`, the test helpers and the benchmark all build the gateway
 * here. It starts what the roles ask for on one database — the embedded PostgreSQL when no
 * DATABASE_URL is set, migrations under an advisory lock, the core, then the roles — and
 * `stop()` takes it all down in reverse, the embedded server last.
 */
export interface Runtime {
  config: Config;
  core: Core;
  db: Database;
  listener: Listener;
  feeds: { attempts: AttemptFeed; endpointStatus: EndpointStatusFeed };
  /** Base URL of this process's HTTP server (the API, or health probes for other roles); null without one. */
  url: string | null;
  /** Where /metrics is served: this process's HTTP server, or its own port (METRICS_PORT); null without either. */
  metricsUrl: string | null;
  /** One more delivery worker in this process (the `workers` role starts one; tests start more). */
  startWorker(overrides?: Partial<Config['delivery']>): Worker;
  /**
   * Graceful stop: stops taking requests, updates and claims at once; lets POSTs in flight
   * finish within the shutdown grace; hands back every lease still held; closes WebSocket
   * clients with 1001, pools, and the embedded server last. Safe to call twice.
   */
  stop(): Promise<void>;
  /** For an exit that cannot wait (a second signal): asks the embedded server, if any, for a fast shutdown. */
  stopNow(): void;
}

export interface RuntimeOptions {
  logger: Logger;
  /** Overrides config.roles; an empty list builds the core alone (tests start workers themselves). */
  roles?: readonly Role[];
  /** DNS for the URL guard; tests pass a fake one for outside-world names. */
  resolve?: Resolver;
  /** Telegram bot options beyond the configuration (tests relax the outgoing rate limits). */
  bot?: Omit<BotOptions, 'log'>;
}

export async function createRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.logger;
  const roles = new Set(opts.roles ?? config.roles);
  // Stop steps run in reverse order of registration, except that the `drain` steps (what takes
  // work in: HTTP, bot updates, workers) run first and side by side, each within the grace.
  const cleanup: Array<{ name: string; drain: boolean; run: () => Promise<void> | void }> = [];
  const onStop = (name: string, run: () => Promise<void> | void, drain = false) => cleanup.push({ name, drain, run });
  let stopping: Promise<void> | null = null;
  const runStep = (step: (typeof cleanup)[number]) =>
    Promise.resolve()
      .then(step.run)
      .catch((e: unknown) => log.error({ err: e, step: step.name }, 'a shutdown step failed'));
  const stop = () =>
    (stopping ??= (async () => {
      const steps = cleanup.reverse();
      await Promise.all(steps.filter((s) => s.drain).map(runStep));
      for (const step of steps.filter((s) => !s.drain)) await runStep(step);
    })());

  let stopNow = () => undefined as void;
  try {
    // What the API schema, the bot and the workers are built from stays as it is from here on.
    catalogue.seal();
    let url = config.databaseUrl;
    let keyText = config.encryption.key;
    if (!url) {
      keyText ??= embeddedKey(config.dataDir);
      const dir = path.join(config.dataDir, 'postgres');
      log.info({ dir }, 'starting the embedded PostgreSQL (set DATABASE_URL to use your own server)');
      // Loaded only when used: the package's import has side effects (see db/embedded.ts).
      const { startEmbeddedPostgres } = await import('./db/embedded.js');
      const embedded = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort });
      onStop('embedded PostgreSQL', () => embedded.stop());
      stopNow = () => embedded.stopNow();
      url = embedded.url;
    }
    if (config.lifecycle.migrateOnStart) {
      const applied = await migrate(url, config.database);
      if (applied.length) log.info({ migrations: applied }, 'migrations applied');
    }
    const vault = createVault({ current: keyText ? parseKey(keyText) : null, previous: config.encryption.previousKeys.map(parseKey) });
    const db = await openDatabase(url, config.database, { vault, onWarning: (message) => log.warn({ source: 'sql client' }, message) });
    onStop('database pools', () => db.close());
    await checkSecretsAtRest(db.pool, vault);
    if (config.lifecycle.migrateOnStart) {
      const sealed = await sealSecretsAtRest(db.pool, vault);
      if (sealed) log.info({ endpoints: sealed, keyId: vault.keyId }, 'webhook secrets and signing keys sealed with the current encryption key');
    }
    if (!vault.keyId) log.warn('ENCRYPTION_KEY is not set: webhook secrets and signing keys are stored in plain text in the database');
    const listener = createListener(url, { settings: config.database, onError: (e) => log.warn({ err: e }, 'LISTEN connection problem; reconnecting') });
    onStop('LISTEN connection', () => listener.close());
    const core = createCore({ db, config, installation: await readInstallationId(db.pool), resolve: opts.resolve });
    onStop('core', () => core.close());
    core.events.setErrorSink((e) => log.error({ err: e }, 'event listener failed'));
    core.events.on('dispatch:error', ({ error }) => log.error({ err: error }, 'delivery worker step failed'));
    const feeds = {
      attempts: createAttemptFeed({ pool: db.pool, listener, diagnosis: config.delivery, onError: (e) => log.error({ err: e }, 'live log feed failed') }),
      endpointStatus: createEndpointStatusFeed(listener, (e) => log.error({ err: e }, 'endpoint status feed failed')),
    };
    onStop('live feeds', () => {
      feeds.attempts.close();
      feeds.endpointStatus.close();
    });
    await listener.ready();

    // Observers first, so they are stopped last: the final spans and counts of a stop are kept.
    const tracing = startTracing({ events: core.events, settings: config.tracing, webhookId: core.ctx.webhookIds.delivery, onError: (e) => log.warn({ err: e }, 'trace export failed') });
    if (tracing) onStop('tracing', () => tracing.close());
    let graphql: GraphQLHandler | null = null;
    const metrics = createMetrics({ events: core.events, pool: db.pool, settings: config.metrics, liveSubscribers: () => graphql?.subscriptions() ?? 0 });
    onStop('metrics', () => metrics.close());
    let metricsUrl: string | null = null;
    if (roles.size && config.metrics.port !== undefined) {
      const own = await startMetricsServer({ config, metrics, port: config.metrics.port, log });
      onStop('metrics server', () => own.stop(0));
      metricsUrl = `${own.url}${METRICS_PATH}`;
      log.info({ url: metricsUrl }, 'metrics listening');
    }

    // Alerts are decided where the workers run and sent from the outbox by every process that
    // runs workers or the bot: Telegram through the bot's API client (with the token; only the
    // `bot` role receives updates, long polling allows one receiver), alert webhooks anywhere.
    const telegram: TelegramBot | null =
      config.telegramBotToken && (roles.has('bot') || roles.has('workers')) ? createBot(config, core, { ...opts.bot, log }) : null;
    if (roles.has('bot') || roles.has('workers')) {
      const notifiers = [core.alerts.webhookNotifier, ...(telegram ? [telegram.notifier] : [])].map((n) => observedNotifier(n, core.events));
      const sender = startAlertSender({
        pool: db.pool,
        listener,
        notifiers,
        onError: (e) => log.warn({ err: e }, 'an alert could not be sent yet; it is retried'),
        onDropped: (d) => log.warn(d, 'alert dropped for one recipient'),
      });
      onStop('alert sender', () => sender.stop());
    }

    const workers: Worker[] = [];
    const senders: Array<ReturnType<typeof createSender>> = [];
    const addWorker = (overrides: Partial<Config['delivery']> = {}): Worker => {
      if (stopping) throw new Error('the runtime is stopping');
      // Registered with the first worker, so that workers stop (and record) before the alert
      // service that hears about their last attempts.
      if (!workers.length) {
        onStop('delivery workers', async () => {
          await Promise.all(workers.map((w) => w.stop(config.lifecycle.shutdownGraceMs)));
          await Promise.all(senders.map((s) => s.close()));
        }, true);
      }
      const settings = { ...config.delivery, ...overrides };
      const sender = createSender({ targets: core.ctx.targets, connectionsPerOrigin: settings.endpointConcurrency, responseBodyLimit: settings.responseBodyLimit });
      senders.push(sender);
      const worker = startWorker({ pool: db.pool, listener, sender, settings, events: core.events, vault, webhookIds: core.ctx.webhookIds });
      workers.push(worker);
      return worker;
    };

    if (roles.has('workers')) {
      const alerts = startAlertService({
        pool: db.pool,
        events: core.events,
        settings: config.alerts,
        diagnosis: config.delivery,
        disableFailing: config.disableFailing,
        onAlert: (a) => log.info({ alert: a.kind, alertId: a.id, endpointId: a.endpointId, webhook: a.webhookName, failures: a.failures, httpCode: a.lastFailure?.httpCode }, 'alert queued'),
        onError: (e) => log.error({ err: e }, 'alert failed'),
      });
      onStop('alerts', () => alerts.stop());
      const disabledAlerts = startDisabledAlerts({ pool: db.pool, listener, onAlert: (a) => log.info({ alert: a.kind, alertId: a.id, endpointId: a.endpointId, webhook: a.webhookName, reason: a.disabledReason }, 'alert queued'), onError: (e) => log.error({ err: e }, 'disabled alert failed') });
      onStop('disabled alerts', () => disabledAlerts.stop());
      const retention = startRetention({
        pool: db.pool,
        days: config.attemptRetentionDays,
        idempotencyWindowMs: config.publishing.idempotencyWindowMs,
        onError: (e) => log.error({ err: e }, 'retention failed'),
        onPruned: (days) => days.length && log.info({ partitions: days }, 'dropped days of attempts older than the retention period'),
      });
      onStop('retention', () => retention.stop());
      const repair = startQueueRepair({
        pool: db.pool,
        onError: (e) => log.error({ err: e }, 'queue repair failed'),
        onRepaired: (endpointIds) => log.error({ endpointIds }, 'delivery lanes were behind their deliveries and were made due (a bug: please report it)'),
      });
      onStop('queue repair', () => repair.stop());
      const vacuum = startQueueVacuum({
        pool: db.pool,
        events: core.events,
        settings: config.queueVacuum,
        onError: (e) => log.warn({ err: e }, 'vacuum of the delivery queue failed; autovacuum still runs'),
        onNotAllowed: () => log.info('the delivery queue is left to autovacuum: this database role may not vacuum it'),
      });
      onStop('queue vacuum', () => vacuum.stop());
      const worker = addWorker();
      log.info({ worker: worker.id, concurrency: config.delivery.concurrency }, 'delivery worker started');
    }

    if (telegram && roles.has('bot')) {
      onStop('Telegram bot', () => telegram.stop(), true);
      // In the background: Telegram being unreachable never holds up the API or the workers.
      telegram.start();
    }

    // What this process runs, as probes and logs report it: the bot role without a token is off.
    const running = [...roles].filter((r) => r !== 'bot' || telegram !== null);
    let http: HttpServer | null = null;
    if (roles.size) {
      let explorer: Route | null = null;
      if (roles.has('api')) {
        // Loaded only here: Apollo and type-graphql are seconds of a process's start-up.
        const { createApi } = await import('./graphql/api.js');
        ({ graphql, explorer } = await createApi({ core, feeds, config, log, listener, chatLink: (code) => telegram?.deepLink(code) ?? null }));
      }
      const servesMetrics = config.metrics.port === undefined;
      http = await startHttpServer({ config, db, roles: running, graphql, explorer, metrics: servesMetrics ? metrics : null, log });
      if (servesMetrics) metricsUrl = `${http.url}${METRICS_PATH}`;
      onStop('HTTP server', () => http?.stop(config.lifecycle.shutdownGraceMs), true);
      if (roles.has('api')) log.info({ url: `${http.url}/graphql`, roles: running }, 'GraphQL API listening (HTTP and WebSocket)');
      else log.info({ url: http.url, roles: running }, 'health probes listening (/healthz, /readyz)');
    }

    return { config, core, db, listener, feeds, url: http?.url ?? null, metricsUrl, startWorker: addWorker, stop, stopNow };
  } catch (e) {
    await stop();
    throw e;
  }
}
