import type { Core } from '../core/index.js';

/**
 * The part of core the GraphQL API calls, and nothing else: resolvers parse arguments, call
 * these with the caller's account, and render the results. Every rule behind them is core's.
 * A new operation adds its core call here, so what the API can reach is read in one place.
 */
export interface ApiCore {
  accounts: Pick<Core['accounts'], 'authenticate' | 'authRetryAfter' | 'revokedKeys' | 'create' | 'get' | 'createApiKey' | 'listApiKeys' | 'revokeApiKey'>;
  admins: Pick<Core['admins'], 'chats' | 'createLinkCode'>;
  alerts: Pick<Core['alerts'], 'mute' | 'unmute' | 'webhook'>;
  devices: Pick<Core['devices'], 'list' | 'get' | 'register' | 'update'>;
  webhooks: Pick<Core['webhooks'], 'list' | 'summary' | 'endpoints' | 'signingKey' | 'save' | 'update' | 'delete' | 'disable' | 'enable' | 'settings' | 'setHeaders' | 'setRateLimit' | 'rotateSigningKey'>;
  tests: Pick<Core['tests'], 'targets' | 'target' | 'send'>;
  dispatch: Pick<Core['dispatch'], 'publish' | 'redeliver' | 'redeliverFailed'>;
  logs: Pick<Core['logs'], 'list' | 'get'>;
  diagnose: Pick<Core['diagnose'], 'troubleshoot'>;
}
