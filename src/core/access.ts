import { CoreError } from './errors.js';
import type { Principal } from './registry/accounts.js';

/**
 * Who may do what. An account's API key works on its own account only; the messaging
 * platform's key (PLATFORM_API_KEY) creates accounts and publishes events for any account's
 * device, and nothing else. Every door asks here with the caller it authenticated.
 */

const NO_KEY = 'send an API key: Authorization: Bearer <key>';

/** The calling account; the platform key is refused (it only creates accounts and publishes). */
export function accountOf(principal: Principal | null): string {
  if (!principal) throw new CoreError('UNAUTHENTICATED', NO_KEY);
  if (principal.kind !== 'account') throw new CoreError('FORBIDDEN', "the platform key may only create accounts and publish events; use an account's API key");
  return principal.accountId;
}

/** Only the platform key passes. */
export function requirePlatform(principal: Principal | null): void {
  if (!principal) throw new CoreError('UNAUTHENTICATED', NO_KEY);
  if (principal.kind !== 'platform') throw new CoreError('FORBIDDEN', 'only the platform key (PLATFORM_API_KEY) may do this');
}

/** Whose devices the caller may publish for: its own account's (an id), or any account's (null, the platform key). */
export function publisherOf(principal: Principal | null): string | null {
  if (!principal) throw new CoreError('UNAUTHENTICATED', NO_KEY);
  return principal.kind === 'account' ? principal.accountId : null;
}
