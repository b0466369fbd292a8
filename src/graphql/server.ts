import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, getOperationAST, parse, type GraphQLSchema } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import type { ApiCore } from './core.js';
import { publicError } from '../core/errors.js';
import type { Listener } from '../db/listener.js';
import type { GraphQLHandler } from '../http/server.js';
import type { Logger } from '../log.js';
import { requestScope } from '../observability/requestContext.js';
import { clientAddress, principalFor, type GraphQLContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import { checkComplexity, checkNesting, LIMIT_CODE, limitRules, parseOptions } from './limits.js';
import { createWebSocketHandler } from './websocket.js';

export const GRAPHQL_PATH = '/graphql';

/** What the API's HTTP and WebSocket halves are built from. */
export interface GraphQLDeps {
  schema: GraphQLSchema;
  core: ApiCore;
  feeds: GraphQLContext['feeds'];
  config: Config;
  log: Logger;
  listener: Listener;
}

/**
 * Apollo Server for queries and mutations on a plain node:http server, and graphql-ws for
 * subscriptions on the same server and path. Both build the same context (the caller's
 * principal from a Bearer key) and apply the same limits — body size per operation type,
 * tokens, aliases, depth, directives, cost — before any resolver runs, and the same error
 * masking.
 */
export async function createGraphQLServer(p: GraphQLDeps & { chatLink?: GraphQLContext['chatLink'] }): Promise<GraphQLHandler> {
  const { schema, core, feeds, config, log } = p;
  const chatLink = p.chatLink ?? (() => null);
  const limits = config.graphql;
  const formatError = createErrorFormatter(log, { hideSuggestions: !limits.introspection });
  const sockets = createWebSocketHandler({ ...p, chatLink, formatError });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: limits.introspection,
    includeStacktraceInErrorResponses: false,
    // The process owns its signals (main.ts): Apollo's own handler would stop it and re-raise
    // the signal, which reads as a second signal and cuts the graceful stop short.
    stopOnTerminationSignals: false,
    formatError,
    parseOptions: parseOptions(limits),
    validationRules: limitRules(limits),
    plugins: [
      limits.explorer === 'sandbox' ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ request, document, operationName }) {
              const scope = requestScope.getStore();
              if (scope) scope.operation = operationName ?? undefined;
              checkComplexity({ schema, document, variables: request.variables, operationName: request.operationName, max: limits.maxComplexity });
            },
            // Nothing could be done because the database is not answering: a 503 with
            // Retry-After, so that publishers and proxies retry on their own.
            async willSendResponse({ response }) {
              if (response.body.kind !== 'single') return;
              const { data, errors } = response.body.singleResult;
              const nothing = data == null || Object.values(data).every((v) => v === null);
              const down = errors?.find((e) => e.extensions?.code === 'UNAVAILABLE');
              if (nothing && down) {
                response.http.status = 503;
                response.http.headers.set('retry-after', String(down.extensions?.retryAfterSeconds ?? 2));
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
      const read = await readBody(req, Math.max(limits.bodyLimit.query, limits.bodyLimit.mutation));
      if (read === null) return reply(res, 413, refusal(`The request body is over ${Math.max(limits.bodyLimit.query, limits.bodyLimit.mutation)} bytes.`, 'body'));
      try {
        body = read.length ? JSON.parse(read) : {};
      } catch {
        return reply(res, 400, { errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      }
      const tooLarge = overTypeLimit(body, Buffer.byteLength(read), limits);
      if (tooLarge) return reply(res, 413, refusal(tooLarge.message, 'body', tooLarge.max));
    }
    try {
      checkNesting(req.method === 'POST' ? (body as { query?: unknown } | null)?.query : url.searchParams.get('query'));
    } catch (e) {
      return reply(res, 400, { errors: [(e as GraphQLError).toJSON()] });
    }
    const client = clientAddress(req, config.auth.trustProxy);
    const request: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => ({ principal: await principalFor(core, headers.get('authorization'), client).catch(withHttpStatus), core, feeds, chatLink }),
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
    subscriptions: () => sockets.subscriptions(),
    handleUpgrade(req, socket, head) {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== GRAPHQL_PATH) return false;
      sockets.handleUpgrade(req, socket, head);
      return true;
    },
    async stop() {
      await sockets.stop();
      await apollo.stop();
    },
  };
}

/**
 * Authentication reads the database and counts failures: when the database does not answer,
 * the request fails as a whole with UNAVAILABLE and HTTP 503; an address over the failure
 * limit gets RATE_LIMITED and HTTP 429 (Apollo takes the status from the `http` extension).
 */
function withHttpStatus(e: unknown): never {
  const known = publicError(e);
  const status = known?.code === 'UNAVAILABLE' ? 503 : known?.code === 'RATE_LIMITED' ? 429 : null;
  if (!known || status === null) throw e;
  throw new GraphQLError(known.message, {
    originalError: known,
    extensions: { code: known.code, http: { status, headers: new HeaderMap([['retry-after', String(known.retryAfterSeconds ?? 2)]]) } },
  });
}

/**
 * A body under the overall cap may still be over its operation type's: queries are small,
 * mutations carry event data. The document is parsed here with the token limit (Apollo parses
 * it again, within the same limit); a batch (an array) is left to Apollo, which refuses it.
 */
function overTypeLimit(body: unknown, bytes: number, limits: Config['graphql']): { message: string; max: number } | null {
  if (bytes <= Math.min(limits.bodyLimit.query, limits.bodyLimit.mutation)) return null;
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return null;
  let type: string = 'query';
  try {
    type = getOperationAST(parse(query, parseOptions(limits)), typeof operationName === 'string' ? operationName : undefined)?.operation ?? 'query';
  } catch {
    return null; // a parse error is reported by Apollo, in GraphQL's words
  }
  const max = type === 'mutation' ? limits.bodyLimit.mutation : limits.bodyLimit.query;
  return bytes > max ? { message: `This ${type} is ${bytes} bytes; the limit for a ${type} is ${max} bytes.`, max } : null;
}

function refusal(message: string, limit: string, max?: number) {
  return { errors: [{ message, extensions: { code: LIMIT_CODE, limit, ...(max ? { max } : {}) } }] };
}

function reply(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return true;
}

/** The body as text, or null when it passes the limit. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
