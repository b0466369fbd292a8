import type { Core } from '../core/index.js';

/**
 * The part of core the operator's CLI calls, and nothing else (as BotCore and ApiCore are for
 * the other doors): a command parses its arguments, calls these, and prints the result.
 */
export interface CliCore {
  accounts: Pick<Core['accounts'], 'create' | 'list' | 'get' | 'createApiKey' | 'listApiKeys' | 'revokeApiKey'>;
  admins: Pick<Core['admins'], 'createLinkCode'>;
  alerts: Pick<Core['alerts'], 'status'>;
}
