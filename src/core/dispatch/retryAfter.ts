/** Answers whose Retry-After asks the gateway to slow down (RFC 9110 §10.2.3; Standard Webhooks). */
const BACK_PRESSURE_CODES: ReadonlySet<number> = new Set([429, 503]);

/**
 * How long a receiver asked us to wait, ms, from a 429 or 503's Retry-After: whole seconds
 * or an HTTP date (in the past = 0). Null for other codes, no header, or a value that is
 * neither (the retry schedule then applies as usual).
 */
export function retryAfterMs(httpCode: number, header: string | undefined, now: number): number | null {
  if (!BACK_PRESSURE_CODES.has(httpCode) || header === undefined) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date names a day of the week first (IMF-fixdate, RFC 850 or asctime).
  if (!/^[A-Za-z]{3}/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
