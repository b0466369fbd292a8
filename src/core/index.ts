import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { CoreContext } from './context.js';
import { createSender } from './dispatch/sender.js';
import { publishEvent, redeliver, redeliverFailed } from './dispatch/publish.js';
import { troubleshoot } from './diagnose/troubleshoot.js';
import { getAttempt, listAttempts } from './logs/attempts.js';
import { GatewayEvents } from './observe.js';
import { authenticate, countAccounts, createAccount, createApiKey, getAccount, listApiKeys, revokeApiKey } from './registry/accounts.js';
import { getDevice, listDevices, registerDevice, updateDevice } from './registry/devices.js';
import { listWebhooks, summarizeWebhooks } from './registry/webhookList.js';
import { deleteWebhook, getEndpoint, getSigningKey, getWebhookEndpoints, saveWebhooks, updateWebhook } from './registry/webhooks.js';
import { systemResolver, type Resolver } from './security/urlGuard.js';
import { getTestTarget, listTestTargets } from './sendTest/targets.js';
import { sendTest } from './sendTest/sendTest.js';

export interface CoreDeps {
  db: Database;
  config: Config;
  /** DNS for the URL guard; tests pass a fake one for outside-world names. */
  resolve?: Resolver;
  now?: () => Date;
  events?: GatewayEvents;
}

type Bound<F> = F extends (ctx: CoreContext, ...args: infer A) => infer R ? (...args: A) => R : never;
const bind = <F extends (ctx: CoreContext, ...args: never[]) => unknown>(ctx: CoreContext, f: F): Bound<F> =>
  ((...args: never[]) => f(ctx, ...args)) as Bound<F>;

/**
 * The gateway's rules, transport-free. Both front doors (GraphQL, Telegram) call these and
 * nothing else; every function is scoped to an account id the caller authenticated.
 */
export function createCore(deps: CoreDeps) {
  const events = deps.events ?? new GatewayEvents();
  const targets = { allowPrivate: deps.config.allowPrivateTargets, resolve: deps.resolve ?? systemResolver };
  const ctx: CoreContext = {
    db: deps.db,
    config: deps.config,
    targets,
    events,
    now: deps.now ?? (() => new Date()),
    sender: createSender({
      targets,
      connectionsPerOrigin: 4,
      responseBodyLimit: deps.config.delivery.responseBodyLimit,
    }),
  };
  return {
    ctx,
    events,
    accounts: {
      create: bind(ctx, createAccount),
      count: bind(ctx, countAccounts),
      get: bind(ctx, getAccount),
      authenticate: bind(ctx, authenticate),
      createApiKey: bind(ctx, createApiKey),
      listApiKeys: bind(ctx, listApiKeys),
      revokeApiKey: bind(ctx, revokeApiKey),
    },
    devices: {
      register: bind(ctx, registerDevice),
      update: bind(ctx, updateDevice),
      list: bind(ctx, listDevices),
      get: bind(ctx, getDevice),
    },
    webhooks: {
      save: bind(ctx, saveWebhooks),
      update: bind(ctx, updateWebhook),
      delete: bind(ctx, deleteWebhook),
      list: bind(ctx, listWebhooks),
      summary: bind(ctx, summarizeWebhooks),
      endpoints: bind(ctx, getWebhookEndpoints),
      endpoint: bind(ctx, getEndpoint),
      signingKey: bind(ctx, getSigningKey),
    },
    tests: {
      targets: bind(ctx, listTestTargets),
      target: bind(ctx, getTestTarget),
      send: bind(ctx, sendTest),
    },
    dispatch: {
      publish: bind(ctx, publishEvent),
      redeliver: bind(ctx, redeliver),
      redeliverFailed: bind(ctx, redeliverFailed),
    },
    logs: {
      list: bind(ctx, listAttempts),
      get: bind(ctx, getAttempt),
    },
    diagnose: {
      troubleshoot: bind(ctx, troubleshoot),
    },
    close: () => ctx.sender.close(),
  };
}

export type Core = ReturnType<typeof createCore>;
