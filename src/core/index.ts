import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { CoreContext } from './context.js';
import { createSender } from './dispatch/sender.js';
import { publishEvent, publishEvents, redeliver, redeliverFailed } from './dispatch/publish.js';
import { countWebhookFailures, redeliverWebhookFailures } from './dispatch/webhookRedelivery.js';
import { troubleshoot } from './diagnose/troubleshoot.js';
import { troubleshootWebhook } from './diagnose/webhookTroubleshoot.js';
import { MUTE_HOURS, muteAlerts, muteState, unmuteAlerts } from './alerts/mute.js';
import { statusReport } from './alerts/status.js';
import { getAlertWebhook, removeAlertWebhook, setAlertWebhook, alertWebhookTarget } from './alerts/alertWebhook.js';
import { createWebhookNotifier } from './alerts/webhookNotifier.js';
import { chatAccount, createLinkCode, linkChat, listAdminChats, unlinkChat } from './registry/adminChats.js';
import { deleteChatSession, deleteChatSessions, readChatSession, writeChatSession } from './registry/chatSessions.js';
import { getDeliverySettings, rotateSigningKey, setCustomHeaders, setRateLimit } from './registry/endpointSettings.js';
import { eventChoices } from './registry/webhookInput.js';
import { checkWebhookDevices, checkWebhookEvents, checkWebhookName, checkWebhookSecret, checkWebhookUrl } from './registry/webhookDraft.js';
import { getAttempt, listAttempts, webhookAttempts } from './logs/attempts.js';
import { GatewayEvents } from './observe.js';
import { unavailable } from './errors.js';
import { authenticate, authRetryAfter, countAccounts, createAccount, createApiKey, getAccount, listAccounts, listApiKeys, revokeApiKey, revokedKeys } from './registry/accounts.js';
import { getDevice, listDevices, registerDevice, updateDevice } from './registry/devices.js';
import { disableWebhook, enableWebhook } from './registry/endpointStatus.js';
import { findWebhook, listWebhooks, summarizeWebhooks } from './registry/webhookList.js';
import { deleteWebhook, getEndpoint, getSigningKey, getWebhookEndpoints, saveWebhooks, updateWebhook } from './registry/webhooks.js';
import { createAuthLimiter } from './security/authLimiter.js';
import { systemResolver, type Resolver } from './security/urlGuard.js';
import { getTestTarget, listTestTargets } from './sendTest/targets.js';
import { webhookIds } from './webhookIds.js';
import { sendTest } from './sendTest/sendTest.js';

export interface CoreDeps {
  db: Database;
  config: Config;
  /** The database's installation id (db/sql/installation.ts), read once at start: part of every webhook-id. */
  installation: string;
  /** DNS for the URL guard; tests pass a fake one for outside-world names. */
  resolve?: Resolver;
  now?: () => Date;
  events?: GatewayEvents;
}

type Bound<F> = F extends (ctx: CoreContext, ...args: infer A) => infer R ? (...args: A) => R : never;
/**
 * A core operation bound to its context. While the database is known to be unreachable every
 * operation answers UNAVAILABLE at once, rather than each caller waiting out the timeouts.
 */
const bind = <F extends (ctx: CoreContext, ...args: never[]) => unknown>(ctx: CoreContext, f: F): Bound<F> =>
  ((...args: never[]) => {
    if (!ctx.db.available()) throw unavailable(new Error('the database did not answer lately'));
    return f(ctx, ...args);
  }) as Bound<F>;

/**
 * The gateway's rules, transport-free. Both front doors (GraphQL, Telegram) call these and
 * nothing else; every function is scoped to an account id the caller authenticated.
 */
export function createCore(deps: CoreDeps) {
  const events = deps.events ?? new GatewayEvents();
  const targets = { allowPrivate: deps.config.allowPrivateTargets, resolve: deps.resolve ?? systemResolver, rules: deps.config.targets };
  const ctx: CoreContext = {
    db: deps.db,
    config: deps.config,
    targets,
    events,
    authLimiter: createAuthLimiter(deps.config.auth),
    now: deps.now ?? (() => new Date()),
    webhookIds: webhookIds(deps.installation),
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
      list: bind(ctx, listAccounts),
      get: bind(ctx, getAccount),
      authenticate: bind(ctx, authenticate),
      /** Seconds a client address must wait after too many failed authentications (0: none). */
      authRetryAfter: bind(ctx, authRetryAfter),
      /** Which of these keys are revoked (or gone): sockets authenticated with them must close. */
      revokedKeys: bind(ctx, revokedKeys),
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
      /** A patch: what it omits stays as stored (the secret included). */
      update: bind(ctx, updateWebhook),
      delete: bind(ctx, deleteWebhook),
      /** Disabled (manual) until enabled; enabling goes to Pending test, or Active when asked. */
      disable: bind(ctx, disableWebhook),
      enable: bind(ctx, enableWebhook),
      list: bind(ctx, listWebhooks),
      /** A webhook named by a person (id, exact name, or the only one matching). */
      find: bind(ctx, findWebhook),
      summary: bind(ctx, summarizeWebhooks),
      endpoints: bind(ctx, getWebhookEndpoints),
      endpoint: bind(ctx, getEndpoint),
      signingKey: bind(ctx, getSigningKey),
      /** Custom headers, rate limit and key rotation of a webhook (registry/endpointSettings.ts). */
      settings: bind(ctx, getDeliverySettings),
      setHeaders: bind(ctx, setCustomHeaders),
      setRateLimit: bind(ctx, setRateLimit),
      rotateSigningKey: bind(ctx, rotateSigningKey),
    },
    tests: {
      targets: bind(ctx, listTestTargets),
      target: bind(ctx, getTestTarget),
      send: bind(ctx, sendTest),
    },
    dispatch: {
      publish: bind(ctx, publishEvent),
      /** Many events in one statement, all or nothing (the platform's bulk path). */
      publishMany: bind(ctx, publishEvents),
      redeliver: bind(ctx, redeliver),
      redeliverFailed: bind(ctx, redeliverFailed),
      /** Failed deliveries of a webhook, then all of them requeued ("Redeliver all failed"). */
      webhookFailures: bind(ctx, countWebhookFailures),
      redeliverWebhookFailures: bind(ctx, redeliverWebhookFailures),
    },
    logs: {
      list: bind(ctx, listAttempts),
      /** One webhook's attempts (all its endpoints), in one query. */
      ofWebhook: bind(ctx, webhookAttempts),
      get: bind(ctx, getAttempt),
    },
    diagnose: {
      troubleshoot: bind(ctx, troubleshoot),
      /** The checklist for a whole webhook: the URL once, every endpoint and device. */
      troubleshootWebhook: bind(ctx, troubleshootWebhook),
    },
    /** Admin chats: linking by one-time code, and which account a chat administers. */
    admins: {
      createLinkCode: bind(ctx, createLinkCode),
      link: bind(ctx, linkChat),
      unlink: bind(ctx, unlinkChat),
      accountOf: bind(ctx, chatAccount),
      chats: bind(ctx, listAdminChats),
      /** A front door's per-chat state (a half-filled form), shared by all processes. */
      sessions: { read: bind(ctx, readChatSession), write: bind(ctx, writeChatSession), delete: bind(ctx, deleteChatSession), deleteAll: bind(ctx, deleteChatSessions) },
    },
    /** The New webhook form, one field at a time (a guided conversation); nothing is written. */
    webhookDrafts: {
      name: bind(ctx, checkWebhookName),
      url: bind(ctx, checkWebhookUrl),
      secret: bind(ctx, checkWebhookSecret),
      devices: bind(ctx, checkWebhookDevices),
      events: bind(ctx, checkWebhookEvents),
      /** The events a form offers (a legacy name only where the webhook stores it). */
      eventChoices,
    },
    /**
     * Alerts: the policy runs in core/alerts/service.ts and the outbox sender in outbox.ts
     * (both started by the runtime); these are what doors offer about them.
     */
    alerts: {
      mute: bind(ctx, muteAlerts),
      unmute: bind(ctx, unmuteAlerts),
      /** The mutes offered (hours), and which endpoints are muted now. */
      muteHours: MUTE_HOURS,
      muteState: bind(ctx, muteState),
      status: bind(ctx, statusReport),
      /** The account's alert webhook (operational webhook): every alert, signed, to a URL. */
      webhook: { set: bind(ctx, setAlertWebhook), remove: bind(ctx, removeAlertWebhook), get: bind(ctx, getAlertWebhook) },
      /** The notifier of alert webhooks, for the outbox sender of any process. */
      webhookNotifier: createWebhookNotifier({ sender: ctx.sender, target: (accountId) => alertWebhookTarget(ctx, accountId), webhookId: ctx.webhookIds.alert, now: ctx.now }),
    },
    close: () => ctx.sender.close(),
  };
}

export type Core = ReturnType<typeof createCore>;
