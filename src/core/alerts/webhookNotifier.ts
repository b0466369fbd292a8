import type { Sender } from '../dispatch/sender.js';
import { sign } from '../security/signing.js';
import { ALERT_SEND_TIMEOUT_MS, RECIPIENT_KINDS, Undeliverable, type Alert, type Notifier } from './types.js';

export const ALERT_USER_AGENT = 'Kirisan-Alerts/1.0';

/**
 * The alert webhook's body, in the Standard Webhooks shape (`type`, `timestamp`, `data`).
 * `data.actions` are what the alert offers, each a GraphQL mutation away: details → `logs`,
 * retry → `redeliver(deliveryId)`, mute → `muteEndpointAlerts(endpointId, hours)`.
 */
export function alertWebhookBody(a: Alert): { type: string; timestamp: string; data: Record<string, unknown> } {
  return {
    type: `alert.${a.kind}`,
    timestamp: a.at.toISOString(),
    data: {
      alertId: a.id,
      kind: a.kind,
      webhookId: a.webhookId,
      endpointId: a.endpointId,
      webhookName: a.webhookName,
      url: a.url,
      failures: a.failures,
      windowMs: a.windowMs,
      lastFailure: a.lastFailure && { ...a.lastFailure, at: a.lastFailure.at.toISOString() },
      disabledReason: a.disabledReason,
      actions: a.actions,
    },
  };
}

export interface WebhookNotifierDeps {
  /** The URL-guarded HTTP client (the one Send test uses). */
  sender: Pick<Sender, 'post'>;
  /** The account's alert webhook now; null once removed. */
  target: (accountId: string) => Promise<{ url: string; signingKey: string } | null>;
  /** The alert's webhook-id (core/webhookIds.ts). */
  webhookId: (alertId: string) => string;
  now?: () => Date;
}

/**
 * The second notifier: a signed POST of each alert to the account's alert webhook, through
 * the same guarded sender as every webhook (a URL that turned private is refused). The
 * `webhook-id` is `alert_<installation>_<id>`, the same on every retry, so a receiver drops repeats. Any
 * 2xx is taken; anything else is retried by the outbox.
 */
export function createWebhookNotifier(deps: WebhookNotifierDeps): Notifier {
  const now = deps.now ?? (() => new Date());
  return {
    kind: RECIPIENT_KINDS.webhook,
    async send(alert, recipient) {
      const target = await deps.target(recipient.address);
      if (!target) throw new Undeliverable('the account has no alert webhook any more');
      const body = JSON.stringify(alertWebhookBody(alert));
      const id = deps.webhookId(alert.id);
      const sentAt = now();
      const r = await deps.sender.post({
        url: target.url,
        body,
        timeoutMs: ALERT_SEND_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'user-agent': ALERT_USER_AGENT,
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': sign(target.signingKey, id, sentAt, body),
        },
      });
      if (r.httpCode !== null && r.httpCode >= 200 && r.httpCode < 300) return null;
      const why = `the alert webhook ${r.httpCode === null ? `could not be reached (${r.errorCode})` : `answered HTTP ${r.httpCode}`}: ${r.errorText ?? ''}`;
      if (r.errorCode === 'private_target' || r.errorCode === 'invalid_url') throw new Undeliverable(why);
      throw new Error(why);
    },
  };
}
