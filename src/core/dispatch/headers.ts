import { sign } from '../security/signing.js';
import type { SubscribedEvent } from '../terms.js';

export const LIVE_USER_AGENT = 'Kirisan-Webhook/1.0';
export const TEST_USER_AGENT = 'Kirisan-Webhook-Test/1.0';

export interface HeaderInput {
  /**
   * The endpoint's stored name for the event: a legacy name (`submission.completed`) is sent
   * as stored, because receivers may route on it; the body always says the type.
   */
  eventName: SubscribedEvent;
  deviceToken: string;
  secret: string | null;
  signingKey: string;
  /** Standard Webhooks message id: the same on every retry of one delivery. */
  messageId: string;
  sentAt: Date;
  body: string;
  test: boolean;
}

/** The contract's headers plus Standard Webhooks' id, timestamp and signature. */
export function deliveryHeaders(h: HeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': h.test ? TEST_USER_AGENT : LIVE_USER_AGENT,
    'x-kirisan-event': h.eventName,
    'x-kirisan-device': h.deviceToken,
    'webhook-id': h.messageId,
    'webhook-timestamp': String(Math.floor(h.sentAt.getTime() / 1000)),
    'webhook-signature': sign(h.signingKey, h.messageId, h.sentAt, h.body),
  };
  if (h.secret) headers['x-webhook-secret'] = h.secret;
  return headers;
}
