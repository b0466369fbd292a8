import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signatures (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), made
 * by the `standardwebhooks` package itself so that receivers verifying with it agree by
 * construction. Decoded keys are cached: decoding costs more than signing a small body.
 */
const cache = new Map<string, Webhook>();
const CACHE_MAX = 10_000;

export function sign(signingKey: string, msgId: string, timestamp: Date, body: string): string {
  let wh = cache.get(signingKey);
  if (!wh) {
    if (cache.size >= CACHE_MAX) cache.clear();
    wh = new Webhook(signingKey);
    cache.set(signingKey, wh);
  }
  return wh.sign(msgId, timestamp, body);
}
