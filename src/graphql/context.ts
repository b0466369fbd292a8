import type { ApiCore } from './core.js';
import * as access from '../core/access.js';
import type { IncomingMessage } from 'node:http';
import { rateLimited } from '../core/errors.js';
import type { Principal } from '../core/registry/accounts.js';
import type { AttemptFeed } from '../core/logs/feed.js';
import type { EndpointStatusFeed } from '../core/registry/endpointStatusFeed.js';

/** What every resolver gets: the caller (or null) and the part of core the API calls. No rules live here. */
export interface GraphQLContext {
  principal: Principal | null;
  core: ApiCore;
  feeds: { attempts: AttemptFeed; endpointStatus: EndpointStatusFeed };
  /** The bot's `t.me/<bot>?start=<code>` link, when this process knows the bot's username. */
  chatLink: (code: string) => string | null;
}

/** `Bearer <key>` from an Authorization header or a graphql-ws connectionParams value. */
export function bearer(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m ? m[1]! : null;
}

/**
 * The caller of a request or a WebSocket, from its Authorization value; null when it sent
 * none. A value sent that does not authenticate counts as a failure of `client` (its address),
 * and an address over the limit is refused (RATE_LIMITED) before any lookup.
 */
export async function principalFor(core: ApiCore, authorization: unknown, client: string): Promise<Principal | null> {
  if (authorization === undefined || authorization === null || authorization === '') return null;
  const key = bearer(authorization);
  if (key) return core.accounts.authenticate(key, client);
  const wait = core.accounts.authRetryAfter(client, true);
  if (wait > 0) throw rateLimited(wait);
  return null;
}

/** The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For hop. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  const last = trustProxy ? (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').at(-1)?.trim() : undefined;
  return last || req.socket.remoteAddress || 'unknown';
}

/** The rules are core's (core/access.ts): these only hand it the caller of this request. */
export const accountOf = (ctx: GraphQLContext): string => access.accountOf(ctx.principal);
export const requirePlatform = (ctx: GraphQLContext): void => access.requirePlatform(ctx.principal);
export const publisherOf = (ctx: GraphQLContext): string | null => access.publisherOf(ctx.principal);
