/**
 * Why a POST failed, classified by stage so that retries and diagnoses branch on a code,
 * never on error text. `internal`, `private_target` and `invalid_url` happen before anything
 * is sent; `interrupted` is a POST cut off by the gateway's own stop.
 */
export const ATTEMPT_ERROR_CODES = [
  'internal',
  'interrupted',
  'invalid_url',
  'private_target',
  'dns',
  'connection_refused',
  'connection_reset',
  'unreachable',
  'tls',
  'not_http',
  'headers_too_large',
  'timeout',
  'redirect',
  'http_status',
  'network',
] as const;
export type AttemptErrorCode = (typeof ATTEMPT_ERROR_CODES)[number];

const TLS_CODES = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|HOSTNAME_MISMATCH|ERR_CERT)/;

/** Bytes of response headers read before a POST fails as `headers_too_large` (the sender's maxHeaderSize). */
export const RESPONSE_HEADER_LIMIT = 16_384;

/** undici's parser errors (llhttp `HPE_…`): the connection worked, the reply was not HTTP. */
const NOT_HTTP = /^HPE_/;

/** Classifies an error thrown by the HTTP client (undici wraps socket errors in `cause`). */
export function classifyNetworkError(e: unknown): { code: AttemptErrorCode; text: string } {
  const chain: Array<{ code?: unknown; name?: unknown; message?: unknown }> = [];
  for (let cur: unknown = e; cur && typeof cur === 'object' && chain.length < 5; cur = (cur as { cause?: unknown }).cause) {
    chain.push(cur as { code?: unknown; name?: unknown; message?: unknown });
  }
  const codes = chain.map((c) => (typeof c.code === 'string' ? c.code : ''));
  const names = chain.map((c) => (typeof c.name === 'string' ? c.name : ''));
  const text = chain.map((c) => (typeof c.message === 'string' ? c.message : '')).filter(Boolean).join(': ') || String(e);
  const has = (test: (code: string) => boolean) => codes.some(test);
  if (has((c) => c === 'PRIVATE_TARGET_REFUSED')) return { code: 'private_target', text };
  if (names.includes('InterruptedError')) return { code: 'interrupted', text };
  if (names.includes('TimeoutError') || names.includes('AbortError') || has((c) => /TIMEOUT|ETIMEDOUT/.test(c))) return { code: 'timeout', text };
  if (has((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'ENODATA' || c === 'EAI_FAIL')) return { code: 'dns', text };
  if (has((c) => c === 'ECONNREFUSED')) return { code: 'connection_refused', text };
  if (has((c) => TLS_CODES.test(c) || c === 'EPROTO')) return { code: 'tls', text };
  if (has((c) => c === 'UND_ERR_HEADERS_OVERFLOW' || c === 'HPE_HEADER_OVERFLOW')) return { code: 'headers_too_large', text };
  if (has((c) => NOT_HTTP.test(c)) || names.includes('HTTPParserError')) return { code: 'not_http', text };
  if (has((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'UND_ERR_SOCKET' || c === 'UND_ERR_CLOSED')) return { code: 'connection_reset', text };
  if (has((c) => c === 'EHOSTUNREACH' || c === 'ENETUNREACH' || c === 'EADDRNOTAVAIL')) return { code: 'unreachable', text };
  return { code: 'network', text };
}
