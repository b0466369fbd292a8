import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signatures (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), the
 * format of the `standardwebhooks` package, which receivers verify with. The key is checked
 * and decoded by that package once per key (cached); the HMAC itself is node:crypto's,
 * several times cheaper than the package's pure-JS SHA-256 on every delivery.
 */
const cache = new Map<string, Buffer>();
const CACHE_MAX = 10_000;
const PREFIX = 'whsec_';

export function sign(signingKey: string, msgId: string, timestamp: Date, body: string): string {
  let key = cache.get(signingKey);
  if (!key) {
    if (cache.size >= CACHE_MAX) cache.clear();
    new Webhook(signingKey); // throws on a malformed or empty key, as signing always did
    key = Buffer.from(signingKey.startsWith(PREFIX) ? signingKey.slice(PREFIX.length) : signingKey, 'base64');
    cache.set(signingKey, key);
  }
  const mac = createHmac('sha256', key).update(`${msgId}.${Math.floor(timestamp.getTime() / 1000)}.`).update(body).digest('base64');
  return `v1,${mac}`;
}
