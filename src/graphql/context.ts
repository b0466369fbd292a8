import type { Core } from '../core/index.js';
import { CoreError } from '../core/errors.js';
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

/** The calling account; the platform key is refused here (it only creates accounts and publishes). */
export function accountOf(ctx: GraphQLContext): string {
  if (!ctx.principal) throw new CoreError('UNAUTHENTICATED', 'send an API key: Authorization: Bearer <key>');
  if (ctx.principal.kind !== 'account') throw new CoreError('FORBIDDEN', 'the platform key may only create accounts and publish events; use an account\'s API key');
  return ctx.principal.accountId;
}

export function requirePlatform(ctx: GraphQLContext): void {
  if (!ctx.principal) throw new CoreError('UNAUTHENTICATED', 'send an API key: Authorization: Bearer <key>');
  if (ctx.principal.kind !== 'platform') throw new CoreError('FORBIDDEN', 'only the platform key (PLATFORM_API_KEY) may do this');
}

/** Account key → its account; platform key → any account (null). */
export function publisherOf(ctx: GraphQLContext): string | null {
  if (!ctx.principal) throw new CoreError('UNAUTHENTICATED', 'send an API key: Authorization: Bearer <key>');
  return ctx.principal.kind === 'account' ? ctx.principal.accountId : null;
}
