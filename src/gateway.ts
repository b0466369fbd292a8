import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { createListener, type Listener } from './db/listener.js';
import { createCore, type Core } from './core/index.js';
import { createSender } from './core/dispatch/sender.js';
import { startWorker, type Worker } from './core/dispatch/worker.js';
import { createAttemptFeed, type AttemptFeed } from './core/logs/feed.js';
import { startRetention } from './core/logs/retention.js';
import type { Resolver } from './core/security/urlGuard.js';
import { createEndpointStatusFeed, type EndpointStatusFeed } from './core/registry/endpointStatusFeed.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { createGraphQLServer } from './graphql/server.js';
import { handleHealth } from './http/health.js';
import { createRequestListener } from './http/serve.js';
import { createMetrics, METRICS_PATH } from './observability/metrics.js';
import { observedNotifier } from './observability/observedNotifier.js';
import { startTracing } from './observability/tracing.js';
import type { Logger } from './log.js';
import { createBot, type BotOptions } from './bot/createBot.js';
import { logNotifier } from './core/alerts/logNotifier.js';
import { startAlertService } from './core/alerts/service.js';

export interface Gateway {
  core: Core;
  db: Database;
  feed: AttemptFeed;
  endpointStatus: EndpointStatusFeed;
  listener: Listener;
  /** Base URL of the HTTP server, when the api role runs. */
  url: string | null;
  /** Where /metrics is served: the API's server, or its own (METRICS_PORT). */
  metricsUrl: string | null;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  resolve?: Resolver;
  /** Telegram bot options beyond the configuration (tests relax the outgoing rate limits). */
  bot?: Omit<BotOptions, 'log'>;
}

/**
 * Starts what the configuration asks for on one database: the embedded PostgreSQL when no
 * DATABASE_URL is set, migrations, the core, and the roles (api, workers, bot). Every
 * resource it opens is closed by `stop()`, in reverse order.
 */
export async function startGateway(config: Config, opts: GatewayOptions): Promise<Gateway> {
  const log = opts.logger;
  const cleanup: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch((e: unknown) => log.error({ err: e }, 'shutdown step failed'));
  };
  try {
    let url = config.databaseUrl;
    if (!url) {
      const dir = path.join(config.dataDir, 'postgres');
      log.info({ dir }, 'starting the embedded PostgreSQL (set DATABASE_URL to use your own server)');
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort });
      cleanup.push(() => embedded.stop());
      url = embedded.url;
    }
    const db = await openDatabase(url, { poolMax: 10 + Math.ceil(config.delivery.concurrency / 16) });
    cleanup.push(() => db.close());
    const listener = createListener(url, (e) => log.warn({ err: e }, 'LISTEN connection problem'));
    cleanup.push(() => listener.close());
    const core = createCore({ db, config, resolve: opts.resolve });
    cleanup.push(() => core.close());
    core.events.setErrorSink((e) => log.error({ err: e }, 'event listener failed'));
    core.events.on('dispatch:error', ({ error }) => log.error({ err: error }, 'delivery worker step failed'));
    const feed = createAttemptFeed({ pool: db.pool, listener, onError: (e) => log.error({ err: e }, 'live log feed failed') });
    cleanup.push(() => feed.close());
    const endpointStatus = createEndpointStatusFeed(listener, (e) => log.error({ err: e }, 'endpoint status feed failed'));
    cleanup.push(() => endpointStatus.close());
    await listener.ready();

    // Observers first, so they are stopped last: the final spans and counts of a stop are kept.
    const tracing = startTracing({ events: core.events, settings: config.tracing, onError: (e) => log.warn({ err: e }, 'trace export failed') });
    if (tracing) cleanup.push(() => tracing.close());
    let graphqlSubscriptions = () => 0;
    const metrics = createMetrics({ events: core.events, pool: db.pool, settings: config.metrics, liveSubscribers: () => graphqlSubscriptions() });
    cleanup.push(() => metrics.close());
    let metricsUrl: string | null = null;
    if (config.metrics.port !== undefined) {
      const own = await listen(createServer(createRequestListener({ log, routes: [(req, res) => metrics.handle(req, res)], notFound: 'not found: metrics are at /metrics' })), config.metrics.port, config.host, cleanup);
      metricsUrl = `${own}${METRICS_PATH}`;
      log.info({ url: metricsUrl }, 'metrics listening');
    }

    // Every process that runs workers decides and sends its own alerts through the bot's API
    // client; only the `bot` role receives updates (long polling allows one receiver).
    const runsBot = config.roles.includes('bot');
    const telegram = config.telegramBotToken && (runsBot || config.roles.includes('workers')) ? createBot(config, core, { ...opts.bot, log }) : null;
    if (telegram && runsBot) {
      cleanup.push(() => telegram.stop());
      // The bot is optional: without Telegram the gateway still delivers.
      await telegram.start().catch((e: unknown) => log.error({ err: e }, 'the Telegram bot could not start; running without it'));
    }
    if (config.roles.includes('workers')) {
      const alerts = startAlertService({
        pool: db.pool,
        events: core.events,
        settings: config.alerts,
        notifier: observedNotifier(telegram?.notifier ?? logNotifier(log), core.events),
        onError: (e) => log.error({ err: e }, 'alert failed'),
      });
      cleanup.push(() => alerts.stop());
    }

    if (config.roles.includes('workers')) {
      const sender = createSender({
        targets: core.ctx.targets,
        connectionsPerOrigin: config.delivery.endpointConcurrency,
        responseBodyLimit: config.delivery.responseBodyLimit,
      });
      cleanup.push(() => sender.close());
      const worker: Worker = startWorker({ pool: db.pool, listener, sender, settings: config.delivery, events: core.events });
      cleanup.push(() => worker.stop());
      const retention = startRetention({
        pool: db.pool,
        days: config.attemptRetentionDays,
        onError: (e) => log.error({ err: e }, 'retention failed'),
        onPruned: (n) => n && log.info({ attempts: n }, 'pruned old attempts'),
      });
      cleanup.push(() => retention.stop());
      log.info({ worker: worker.id, concurrency: config.delivery.concurrency }, 'delivery worker started');
    }

    let baseUrl: string | null = null;
    if (config.roles.includes('api')) {
      let graphql: Awaited<ReturnType<typeof createGraphQLServer>> | null = null;
      const server: Server = createServer(
        createRequestListener({
          log,
          corsOrigins: config.graphql.corsOrigins,
          notFound: 'not found: the API is at /graphql',
          routes: [
            (req, res) => handleHealth(db, req, res),
            ...(config.metrics.port === undefined ? [(req: IncomingMessage, res: ServerResponse) => metrics.handle(req, res)] : []),
            (req, res) => graphql?.handle(req, res) ?? false,
          ],
        }),
      );
      graphql = await createGraphQLServer({ schema: await buildGatewaySchema(), core, feeds: { attempts: feed, endpointStatus }, config, log, httpServer: server });
      graphqlSubscriptions = () => graphql?.subscriptions() ?? 0;
      cleanup.push(() => graphql?.stop());
      baseUrl = await listen(server, config.port, config.host, cleanup);
      if (config.metrics.port === undefined) metricsUrl = `${baseUrl}${METRICS_PATH}`;
      log.info({ url: `${baseUrl}/graphql` }, 'GraphQL API listening (HTTP and WebSocket)');
    }

    return { core, db, feed, endpointStatus, listener, url: baseUrl, metricsUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Listens, registers the close, and returns the server's base URL. */
async function listen(server: Server, port: number, host: string, cleanup: Array<() => Promise<void> | void>): Promise<string> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`;
}
