import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS = 'authorization, content-type, x-request-id, apollo-require-preflight';

/**
 * CORS for browser clients on other origins: only the configured origins ('*' = any) get
 * the Access-Control headers, and a preflight (OPTIONS) is answered here, before the API
 * sees it. No origins configured (the default): cross-origin browsers are refused by the
 * browser itself, since no header allows them. Returns true when the request was answered.
 */
export function applyCors(allowed: readonly string[], req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  const allow = origin !== undefined && (allowed.includes('*') || allowed.includes(origin));
  if (allow) {
    res.setHeader('access-control-allow-origin', allowed.includes('*') ? '*' : origin);
    res.setHeader('access-control-expose-headers', 'x-request-id');
    res.setHeader('vary', 'Origin');
  }
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  if (!allow) {
    res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'this origin may not call the API (see CORS_ORIGINS)' }));
    return true;
  }
  res
    .writeHead(204, {
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    })
    .end();
  return true;
}
