import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Config } from '../config.js';
import type { Core } from '../core/index.js';
import { publicError, RETRY_AFTER_SECONDS } from '../core/errors.js';
import type { GraphQLHandler } from '../http/server.js';
import type { Principal } from '../core/registry/accounts.js';
import type { Logger } from '../log.js';
import { requestIdFrom, requestScope } from '../observability/requestContext.js';
import { principalFor, type GraphQLContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import { checkComplexity, depthRule } from './limits.js';

export const GRAPHQL_PATH = '/graphql';
const BODY_LIMIT = 1_000_000;

/**
 * Apollo Server for queries and mutations on a plain node:http server, and graphql-ws for
 * subscriptions on the same server and path. Both build the same context (the caller's
 * principal from a Bearer key) and apply the same depth and cost limits and error masking.
 */
export async function createGraphQLServer(p: {
  schema: GraphQLSchema;
  core: Core;
  feeds: GraphQLContext['feeds'];
  config: Config;
  log: Logger;
  chatLink?: GraphQLContext['chatLink'];
}): Promise<GraphQLHandler> {
  const { schema, core, feeds, config, log } = p;
  const chatLink = p.chatLink ?? (() => null);
  const formatError = createErrorFormatter(log);
  const rules = [...specifiedRules, depthRule(config.graphql.maxDepth)];

  const wss = new WebSocketServer({ noServer: true });
  const principals = new WeakMap<object, Principal | null>();
  // Open subscriptions per connection, for the live-subscribers gauge and the operation log.
  const open = new Map<object, Map<string, { requestId: string; operation: string | undefined; t0: number }>>();
  const ended = (ctx: object, id: string, how: string) => {
    const op = open.get(ctx)?.get(id);
    if (!op) return;
    open.get(ctx)!.delete(id);
    log.info({ reqId: op.requestId, operation: op.operation, transport: 'websocket', how, durationMs: Math.round(performance.now() - op.t0) }, 'subscription ended');
  };
  const ws = useServer<Record<string, unknown>>(
    {
      schema,
      onClose: (ctx) => {
        for (const id of [...(open.get(ctx)?.keys() ?? [])]) ended(ctx, id, 'connection closed');
        open.delete(ctx);
      },
      onComplete: (ctx, id) => ended(ctx, id, 'completed'),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        principals.set(ctx, await principalFor(core, params.authorization ?? params.Authorization).catch(rethrowUnavailable));
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        let document;
        try {
          document = parse(payload.query);
        } catch (e) {
          return [e as GraphQLError];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors;
        try {
          checkComplexity({ schema, document, variables: payload.variables ?? {}, operationName: payload.operationName, max: config.graphql.maxComplexity });
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

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.graphql.introspection,
    includeStacktraceInErrorResponses: false,
    // The process owns its signals (main.ts): Apollo's own handler would stop it and re-raise
    // the signal, which reads as a second signal and cuts the graceful stop short.
    stopOnTerminationSignals: false,
    formatError,
    validationRules: [depthRule(config.graphql.maxDepth)],
    plugins: [
      config.graphql.explorer === 'sandbox' ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ request, document, operationName }) {
              const scope = requestScope.getStore();
              if (scope) scope.operation = operationName ?? undefined;
              checkComplexity({ schema, document, variables: request.variables, operationName: request.operationName, max: config.graphql.maxComplexity });
            },
            // Nothing could be done because the database is not answering: a 503 with
            // Retry-After, so that publishers and proxies retry on their own.
            async willSendResponse({ response }) {
              if (response.body.kind !== 'single') return;
              const { data, errors } = response.body.singleResult;
              if (data == null && errors?.some((e) => e.extensions?.code === 'UNAVAILABLE')) {
                response.http.status = 503;
                response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
              }
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== GRAPHQL_PATH) return false;
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req);
      if (raw === null) return reply(res, 413, { errors: [{ message: 'request body too large', extensions: { code: 'BAD_REQUEST' } }] });
      try {
        body = raw.length ? JSON.parse(raw) : {};
      } catch {
        return reply(res, 400, { errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      }
    }
    const request: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => ({ principal: await principalFor(core, headers.get('authorization')).catch(rethrowUnavailable), core, feeds, chatLink }),
    });
    res.statusCode = result.status ?? 200;
    for (const [k, v] of result.headers) res.setHeader(k, v);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    return true;
  }

  return {
    handle,
    subscriptions: () => [...open.values()].reduce((n, ops) => n + ops.size, 0),
    handleUpgrade(req, socket, head) {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== GRAPHQL_PATH) return false;
      wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
      return true;
    },
    async stop() {
      // graphql-ws closes every socket with 1001 (going away): clients reconnect elsewhere.
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await apollo.stop();
    },
  };
}

/**
 * Authentication reads the database: when it does not answer, the request fails as a whole
 * with UNAVAILABLE and HTTP 503 (Apollo takes the status from the error's `http` extension).
 */
function rethrowUnavailable(e: unknown): never {
  const known = publicError(e);
  if (known?.code !== 'UNAVAILABLE') throw e;
  throw new GraphQLError(known.message, {
    originalError: known,
    extensions: { code: 'UNAVAILABLE', http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) } },
  });
}

function reply(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return true;
}

/** The body as text, or null when it passes the limit. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
