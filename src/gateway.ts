import { createServer, type Server } from 'node:http';
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
        notifier: telegram?.notifier ?? logNotifier(log),
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
      const server: Server = createServer((req, res) => {
        (async () => {
          if (await handleHealth(db, req, res)) return;
          if (graphql && (await graphql.handle(req, res))) return;
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: the API is at /graphql"}');
        })().catch((e: unknown) => {
          log.error({ err: e }, 'request failed');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal server error"}');
        });
      });
      graphql = await createGraphQLServer({ schema: await buildGatewaySchema(), core, feeds: { attempts: feed, endpointStatus }, config, log, httpServer: server });
      cleanup.push(() => graphql?.stop());
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve));
      cleanup.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      );
      const { port } = server.address() as AddressInfo;
      baseUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      log.info({ url: `${baseUrl}/graphql` }, 'GraphQL API listening (HTTP and WebSocket)');
    }

    return { core, db, feed, endpointStatus, listener, url: baseUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
