import type { Core } from '../core/index.js';
import * as access from '../core/access.js';
import type { Principal } from '../core/registry/accounts.js';
import type { AttemptFeed } from '../core/logs/feed.js';
import type { EndpointStatusFeed } from '../core/registry/endpointStatusFeed.js';

/** What every resolver gets: the caller (or null) and the core. No rules live here. */
export interface GraphQLContext {
  principal: Principal | null;
  core: Core;
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

export async function principalFor(core: Core, authorization: unknown): Promise<Principal | null> {
  const key = bearer(authorization);
  return key ? core.accounts.authenticate(key) : null;
}

/** The rules are core's (core/access.ts): these only hand it the caller of this request. */
export const accountOf = (ctx: GraphQLContext): string => access.accountOf(ctx.principal);
export const requirePlatform = (ctx: GraphQLContext): void => access.requirePlatform(ctx.principal);
export const publisherOf = (ctx: GraphQLContext): string | null => access.publisherOf(ctx.principal);
