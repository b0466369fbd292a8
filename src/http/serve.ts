import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { requestIdFrom, requestScope, type RequestScope } from '../observability/requestContext.js';
import { applyCors } from './cors.js';

/** Serves the request and returns true, or returns false when the path is not its own. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

/** Probes and scrapes come every few seconds: their access lines are debug, not info. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The request listener of a gateway HTTP server: gives every request an id (the caller's
 * X-Request-Id when it sent a usable one), returns it in X-Request-Id, runs the routes in
 * order inside the request's scope (so every log line carries `reqId`), applies CORS, and
 * writes one access log line when the response is finished. An unexpected failure is an
 * opaque 500 outward and complete in the log.
 */
export function createRequestListener(p: { log: Logger; routes: Route[]; corsOrigins?: readonly string[]; notFound?: string }): RequestListener {
  return (req, res) => {
    const scope: RequestScope = { requestId: requestIdFrom(req.headers['x-request-id']) };
    const t0 = performance.now();
    res.setHeader('x-request-id', scope.requestId);
    res.once('finish', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const line = { reqId: scope.requestId, method: req.method, path, status: res.statusCode, durationMs: Math.round((performance.now() - t0) * 10) / 10, operation: scope.operation };
      if (QUIET_PATHS.has(path)) p.log.debug(line, 'request');
      else p.log.info(line, 'request');
    });
    requestScope.run(scope, () => {
      (async () => {
        if (p.corsOrigins && applyCors(p.corsOrigins, req, res)) return;
        for (const route of p.routes) if (await route(req, res)) return;
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: p.notFound ?? 'not found' }));
      })().catch((e: unknown) => {
        p.log.error({ err: e }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal server error"}');
        else res.end();
      });
    });
  };
}
