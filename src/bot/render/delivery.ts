import type { DeliverySettings } from '../../core/registry/endpointSettings.js';
import { code, esc, when } from '../html.js';

/** A webhook's custom headers, rate limit and key overlap, one line each. */
export function deliveryLines(s: DeliverySettings): string[] {
  const headers = s.customHeaders.map((h) => `${code(h.name)} ${esc(h.valueHint)}`).join(', ');
  return [
    `Custom headers: ${headers || 'none'}`,
    `Rate limit: ${s.rateLimit === null ? 'none' : `${s.rateLimit} deliveries/s per endpoint`}`,
    ...(s.previousKeyUntil ? [`Signing key: rotated; the previous key also signs until ${when(s.previousKeyUntil)}`] : []),
  ];
}
