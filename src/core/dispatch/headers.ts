import type { CustomHeader } from '../registry/customHeaders.js';
import { secretHint } from '../security/secrets.js';
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
  /** A rotated-out key still in its overlap: it signs too, after the new one. */
  previousSigningKey: string | null;
  /** The webhook's own headers (validated on save: none of them is a contract header). */
  customHeaders: readonly CustomHeader[];
  /** Standard Webhooks message id: the same on every retry of one delivery. */
  messageId: string;
  sentAt: Date;
  body: string;
  test: boolean;
}

/**
 * The webhook's custom headers, then the contract's plus Standard Webhooks' id, timestamp and
 * signature: one `v1,…` entry per signing key, space-separated, as the spec allows, so that a
 * receiver verifying with either key of a rotation accepts.
 */
export function deliveryHeaders(h: HeaderInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const c of h.customHeaders) headers[c.name.toLowerCase()] = c.value;
  const keys = h.previousSigningKey ? [h.signingKey, h.previousSigningKey] : [h.signingKey];
  return Object.assign(headers, contractHeaders(h, keys.map((k) => sign(k, h.messageId, h.sentAt, h.body)).join(' ')));
}

/**
 * The headers of a POST as a person may see them before it is sent (the payload preview's
 * request): secrets and custom values as hints, the signature as what it will be.
 */
export function previewHeaders(h: Omit<HeaderInput, 'body' | 'signingKey' | 'previousSigningKey'> & { signatures: number }): Array<{ name: string; value: string }> {
  const signature = h.signatures > 1 ? 'v1,… v1,… (one per signing key while a rotation overlaps)' : 'v1,… (computed when sent)';
  const custom = h.customHeaders.map((c) => ({ name: c.name.toLowerCase(), value: secretHint(c.value) ?? '' }));
  const contract = contractHeaders({ ...h, secret: h.secret ? secretHint(h.secret) : null }, signature);
  return [...custom, ...Object.entries(contract).map(([name, value]) => ({ name, value }))];
}

function contractHeaders(h: Pick<HeaderInput, 'eventName' | 'deviceToken' | 'secret' | 'messageId' | 'sentAt' | 'test'>, signature: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': h.test ? TEST_USER_AGENT : LIVE_USER_AGENT,
    'x-kirisan-event': h.eventName,
    'x-kirisan-device': h.deviceToken,
    'webhook-id': h.messageId,
    'webhook-timestamp': String(Math.floor(h.sentAt.getTime() / 1000)),
    'webhook-signature': signature,
  };
  if (h.secret) headers['x-webhook-secret'] = h.secret;
  return headers;
}
