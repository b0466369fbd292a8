import type { Core } from '../core/index.js';

/**
 * The part of core the bot calls, and nothing else: it parses what admins send, calls these
 * with the chat's account, and renders the results. Every rule behind them is core's.
 */
export interface BotCore {
  /** The bot's own measurements (updates handled) go out as core events. */
  events: Pick<Core['events'], 'emit'>;
  admins: Pick<Core['admins'], 'accountOf' | 'link' | 'unlink' | 'chats' | 'sessions'>;
  devices: Pick<Core['devices'], 'list' | 'get'>;
  webhooks: Pick<Core['webhooks'], 'list' | 'find' | 'endpoints' | 'endpoint' | 'save' | 'update' | 'delete' | 'disable' | 'enable' | 'settings' | 'setHeaders' | 'setRateLimit' | 'rotateSigningKey'>;
  webhookDrafts: Core['webhookDrafts'];
  tests: Pick<Core['tests'], 'targets' | 'target' | 'send'>;
  dispatch: Pick<Core['dispatch'], 'redeliver' | 'webhookFailures' | 'redeliverWebhookFailures'>;
  logs: Pick<Core['logs'], 'list' | 'ofWebhook' | 'get'>;
  diagnose: Pick<Core['diagnose'], 'troubleshootWebhook'>;
  alerts: Pick<Core['alerts'], 'mute' | 'unmute' | 'muteHours' | 'muteState' | 'status'>;
}
