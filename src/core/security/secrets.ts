import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What may be shown of a secret after saving: its length class and last 4 characters. */
export function secretHint(secret: string | null | undefined): string | null {
  if (!secret) return null;
  return secret.length <= 8 ? '••••' : `••••${secret.slice(-4)}`;
}

/** A Standard Webhooks signing key: `whsec_` + base64 of 24 random bytes. */
export function newSigningKey(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** API keys: `kir_` + 32 random bytes (base64url); only the SHA-256 is stored. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `kir_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * What every secret the gateway mints, or Telegram issues, looks like: signing keys, API keys
 * and bot tokens. The logger redacts anything of these shapes from every line (log.ts).
 */
export const SECRET_SHAPES: readonly RegExp[] = [
  /whsec_[A-Za-z0-9+/]{16,}={0,2}/g,
  /kir_[A-Za-z0-9_-]{16,}/g,
  // A bot token stands on its own or follows `/bot` (Bot API URLs); digits at the end of a
  // longer word (a uuid, then `:` and a subscription id, in a request id) are not one.
  /(?:(?<=\/bot)|(?<![A-Za-z0-9_-]))[0-9]{5,15}:[A-Za-z0-9_-]{20,}/g,
];

/** Custom header values this long or longer are hidden in echoes; shorter ones are flags, not secrets, and hiding them would garble bodies. */
export const ECHOED_HEADER_MIN = 8;

/**
 * A response as it may be logged: a receiver that echoes the X-Webhook-Secret or a custom
 * header's value it was sent (its API key, say: in its body, or a redirect's Location) must not
 * have it stored in the attempt log and shown to whoever reads the log.
 */
export function withoutEcho<T extends { responseBody: string | null; errorText: string | null }>(
  r: T,
  sent: { secret: string | null; customHeaders: ReadonlyArray<{ value: string }> },
): T {
  const secrets = [...(sent.secret ? [sent.secret] : []), ...sent.customHeaders.map((h) => h.value).filter((v) => v.length >= ECHOED_HEADER_MIN)];
  if (!secrets.length) return r;
  // As sent, as a JSON string holds it, and percent-encoded (a Location's query).
  const forms = [...new Set(secrets.flatMap((x) => [x, JSON.stringify(x).slice(1, -1), encodeURIComponent(x)]))].sort((a, b) => b.length - a.length);
  const hide = (t: string | null) => (t === null ? t : forms.reduce((out, f) => (out.includes(f) ? out.split(f).join('[redacted]') : out), t));
  return { ...r, responseBody: hide(r.responseBody), errorText: hide(r.errorText) };
}

/** Constant-time comparison, for keys compared outside the database. */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
