import { catalogue } from '../catalogue/index.js';
import { renderBody } from '../events/index.js';
import type { SubscribedEvent } from '../terms.js';
import { deliveryHeaders, type HeaderInput } from './headers.js';

/**
 * The name an endpoint knows an event by: its stored name, which for old endpoints may be
 * the legacy `submission.completed` (sent in X-Kirisan-Event; the body still says
 * "submission").
 */
export function storedEventName(endpointEvents: readonly string[], eventType: string): SubscribedEvent {
  return catalogue.subscriptionNamesFor(eventType).find((n) => endpointEvents.includes(n)) ?? eventType;
}

/** Body and headers of one POST, timestamped now. */
export function buildRequest(p: Omit<HeaderInput, 'body'> & { payloadJson: string }): { body: string; headers: Record<string, string> } {
  const body = renderBody(p.payloadJson, Math.floor(p.sentAt.getTime() / 1000), !p.test);
  const headers = deliveryHeaders({ ...p, body });
  return { body, headers };
}
