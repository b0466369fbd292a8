import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config, Role } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../observability/metrics.js';
import { createHealth } from './health.js';
import { createRequestListener, type Route } from './serve.js';

/** What serves /graphql (HTTP and WebSocket upgrades); the api role's. */
export interface GraphQLHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Subscriptions open over WebSocket right now. */
  subscriptions(): number;
  /** Closes every WebSocket with 1001 (going away) and stops Apollo. */
  stop(): Promise<void>;
}

export interface HttpServer {
  url: string;
  /** Stops accepting, closes WebSockets (1001), lets requests in flight finish within `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The process's HTTP server on PORT, whatever its roles: `/healthz` and `/readyz` always (so a
 * workers-only or bot-only process can be probed too), `/metrics` unless it has a port of its
 * own, `/graphql` with the api role.
 */
export async function startHttpServer(p: {
  config: Config;
  db: Database;
  roles: Role[];
  graphql: GraphQLHandler | null;
  /** The API explorer's page, served before /graphql (the api role, GRAPHQL_EXPLORER=altair). */
  explorer?: Route | null;
  /** Served here, or null when /metrics has its own port (startMetricsServer). */
  metrics: Metrics | null;
  log: Logger;
}): Promise<HttpServer> {
  const health = createHealth({ db: p.db, roles: p.roles, timeoutMs: Math.min(1_500, p.config.database.connectTimeoutMs) });
  const routes: Route[] = [(req, res) => health.handle(req, res)];
  if (p.metrics) routes.push((req, res) => p.metrics!.handle(req, res));
  if (p.explorer) routes.push(p.explorer);
  if (p.graphql) routes.push((req, res) => p.graphql!.handle(req, res));
  const hint = p.graphql ? 'the API is at /graphql' : `this process runs ${p.roles.join(', ')}: only /healthz, /readyz and /metrics are served`;
  return listen(
    createRequestListener({ log: p.log, routes, corsOrigins: p.graphql ? p.config.graphql.corsOrigins : undefined, notFound: `not found: ${hint}` }),
    p.config.port,
    p.config.host,
    { graphql: p.graphql, onStop: () => health.stopping() },
  );
}

/** /metrics on a port of its own (METRICS_PORT), kept off the API's. */
export function startMetricsServer(p: { config: Config; metrics: Metrics; port: number; log: Logger }): Promise<HttpServer> {
  const listener = createRequestListener({ log: p.log, routes: [(req, res) => p.metrics.handle(req, res)], notFound: 'not found: metrics are at /metrics' });
  return listen(listener, p.port, p.config.host, { graphql: null });
}

async function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  hostName: string,
  opts: { graphql: GraphQLHandler | null; onStop?: () => void },
): Promise<HttpServer> {
  const inflight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const done = new Promise<void>((resolve) => res.once('close', resolve));
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
    handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (!opts.graphql?.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, hostName, resolve));
  const { port: bound } = server.address() as AddressInfo;
  const host = hostName === '0.0.0.0' || hostName === '::' ? '127.0.0.1' : hostName;
  return {
    url: `http://${host}:${bound}`,
    async stop(graceMs) {
      opts.onStop?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await opts.graphql?.stop();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    },
  };
}
