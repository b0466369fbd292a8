import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { publicError } from '../core/errors.js';
import type { Principal } from '../core/registry/accounts.js';
import { API_KEY_CHANNEL } from '../db/sql/channels.js';
import { requestIdFrom } from '../observability/requestContext.js';
import { clientAddress, principalFor, type GraphQLContext } from './context.js';
import { checkComplexity, checkNesting, LIMIT_CODE, limitRules, parseOptions } from './limits.js';
import type { GraphQLDeps } from './server.js';

/** graphql-ws close codes this server uses beyond the protocol's own. */
export const CLOSE = {
  /** No key, an unknown key, or a key revoked while connected (graphql-ws's Forbidden). */
  forbidden: 4403,
  /** The address made too many failed authentications. */
  rateLimited: 4429,
  /** The database did not answer the authentication: reconnect later (RFC 6455 Try Again Later). */
  tryAgainLater: 1013,
} as const;

/** Operations one connection may have open at once. */
const OPERATIONS_PER_CONNECTION = 100;
/** How long a revocation is remembered, for a socket whose authentication raced it, ms. */
const REVOKED_MEMORY_MS = 60_000;

export interface WebSocketHandler {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  subscriptions(): number;
  stop(): Promise<void>;
}

/**
 * graphql-ws on the API's HTTP server. A connection must authenticate in its
 * `connection_init` (a valid key in `authorization`), or it is closed with 4403 before any
 * operation; an address over the failed-authentication limit is refused at the upgrade with
 * HTTP 429. When a key is revoked — in any process: the revocation is a NOTIFY — every socket
 * authenticated with it is closed with 4403 at once, its subscriptions with it.
 */
export function createWebSocketHandler(
  p: GraphQLDeps & {
    chatLink: GraphQLContext['chatLink'];
    formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  },
): WebSocketHandler {
  const { schema, core, feeds, config, log, listener, chatLink, formatError } = p;
  const limits = config.graphql;
  const rules = [...specifiedRules, ...limitRules(limits)];
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(limits.bodyLimit.query, limits.bodyLimit.mutation) });
  const principals = new WeakMap<object, Principal>();
  const byKey = new Map<string, Set<WebSocket>>();
  const revoked = new Map<string, number>();
  // Open operations per connection, for the live-subscribers gauge and the operation log.
  const open = new Map<object, Map<string, { requestId: string; operation: string | undefined; t0: number }>>();

  const closeKey = (keyId: string) => {
    revoked.set(keyId, Date.now());
    for (const [id, at] of revoked) if (Date.now() - at > REVOKED_MEMORY_MS) revoked.delete(id);
    const sockets = byKey.get(keyId);
    if (!sockets) return;
    byKey.delete(keyId);
    log.info({ keyId, sockets: sockets.size }, 'API key revoked: closing its WebSockets');
    for (const s of sockets) s.close(CLOSE.forbidden, 'Forbidden: the API key was revoked');
  };
  const stopRevocations = listener.on(API_KEY_CHANNEL, (_channel, keyId) => closeKey(keyId));
  // Revocations announced while the LISTEN connection was away are read back from the table.
  const stopCatchUp = listener.onReconnect(() => {
    core.accounts.revokedKeys([...byKey.keys()]).then(
      (ids) => ids.forEach(closeKey),
      (e: unknown) => log.warn({ err: e }, 'could not check the keys of open WebSockets after a reconnect'),
    );
  });

  const ended = (ctx: object, id: string, how: string) => {
    const op = open.get(ctx)?.get(id);
    if (!op) return;
    open.get(ctx)!.delete(id);
    log.info({ reqId: op.requestId, operation: op.operation, transport: 'websocket', how, durationMs: Math.round(performance.now() - op.t0) }, 'subscription ended');
  };

  const ws = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema,
      onClose: (ctx) => {
        for (const id of [...(open.get(ctx)?.keys() ?? [])]) ended(ctx, id, 'connection closed');
        open.delete(ctx);
        const principal = principals.get(ctx);
        if (principal?.kind === 'account') byKey.get(principal.keyId)?.delete(ctx.extra.socket);
      },
      onComplete: (ctx, id) => ended(ctx, id, 'completed'),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const socket = ctx.extra.socket;
        let principal: Principal | null;
        try {
          principal = await principalFor(core, params.authorization ?? params.Authorization, clientAddress(ctx.extra.request, config.auth.trustProxy));
        } catch (e) {
          // Never thrown to graphql-ws, which would print it and send its message as the close reason.
          const known = publicError(e);
          if (known?.code === 'RATE_LIMITED') socket.close(CLOSE.rateLimited, `Too many failed authentications: retry in ${known.retryAfterSeconds ?? 60} s`);
          else if (known?.code === 'UNAVAILABLE') socket.close(CLOSE.tryAgainLater, 'The database is not answering: reconnect in a few seconds');
          else {
            log.error({ err: e }, 'WebSocket authentication failed');
            socket.close(1011, 'Internal server error');
          }
          return false;
        }
        if (!principal) return false;
        if (principal.kind === 'account') {
          if (revoked.has(principal.keyId)) return false;
          if (!byKey.has(principal.keyId)) byKey.set(principal.keyId, new Set());
          byKey.get(principal.keyId)!.add(socket);
        }
        principals.set(ctx, principal);
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        if ((open.get(ctx)?.size ?? 0) >= OPERATIONS_PER_CONNECTION) {
          return [limitError(`At most ${OPERATIONS_PER_CONNECTION} operations may be open on one connection.`, 'operations', OPERATIONS_PER_CONNECTION)];
        }
        let document;
        try {
          checkNesting(payload.query);
          document = parse(payload.query, parseOptions(limits));
        } catch (e) {
          return [e as GraphQLError];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors;
        const type = getOperationAST(document, payload.operationName)?.operation ?? 'query';
        const max = type === 'mutation' ? limits.bodyLimit.mutation : limits.bodyLimit.query;
        const size = Buffer.byteLength(JSON.stringify(payload));
        if (size > max) return [limitError(`This ${type} is ${size} bytes; the limit is ${max}.`, 'body', max)];
        try {
          checkComplexity({ schema, document, variables: payload.variables ?? {}, operationName: payload.operationName, max: limits.maxComplexity });
        } catch (e) {
          return [e as GraphQLError];
        }
        const contextValue: GraphQLContext = { principal: principals.get(ctx) ?? null, core, feeds, chatLink };
        // One request id per operation; the connection's X-Request-Id prefixes it when sent.
        const requestId = `${requestIdFrom(ctx.extra.request.headers['x-request-id'])}:${id}`;
        const operation = payload.operationName ?? undefined;
        if (!open.has(ctx)) open.set(ctx, new Map());
        open.get(ctx)!.set(id, { requestId, operation, t0: performance.now() });
        log.info({ reqId: requestId, operation, transport: 'websocket' }, 'subscription started');
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wss,
  );

  return {
    handleUpgrade(req, socket, head) {
      const wait = core.accounts.authRetryAfter(clientAddress(req, config.auth.trustProxy));
      if (wait > 0) {
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${wait}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nToo many failed authentications: retry in ${wait} s\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
    },
    subscriptions: () => [...open.values()].reduce((n, ops) => n + ops.size, 0),
    async stop() {
      stopRevocations();
      stopCatchUp();
      // graphql-ws closes every socket with 1001 (going away): clients reconnect elsewhere.
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function limitError(message: string, limit: string, max: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: LIMIT_CODE, limit, max } });
}
