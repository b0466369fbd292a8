import { RESPONSE_HEADER_LIMIT, type AttemptErrorCode } from '../dispatch/attemptError.js';

/** Plain-language cause and fix of a failed attempt, in the words of the product's guide. */
export interface Diagnosis {
  /** Stable key, for front doors that pick an icon or a translation. */
  code: string;
  cause: string;
  fix: string;
}

export interface DiagnosisInput {
  httpCode: number | null;
  errorCode: AttemptErrorCode | string | null;
  test: boolean;
  hasSecret: boolean;
}

/** The timeouts in force (config.delivery): the diagnosis quotes them, never a fixed figure. */
export interface DiagnosisSettings {
  /** Live POST timeout, ms (DELIVERY_TIMEOUT_MS). */
  timeoutMs: number;
  /** Send test timeout, ms (TEST_TIMEOUT_MS). */
  testTimeoutMs: number;
}

/** `2000` → `2 s`, `2500` → `2.5 s`, `800` → `800 ms`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

const REACH = 'Confirm the URL is HTTPS and reachable from the public internet (not localhost or a private IP), and check your firewall.';

/**
 * Decides from the attempt's stage code and HTTP status only, never from error text, so the
 * same attempt always reads the same way. Returns null for a success.
 */
export function diagnose(a: DiagnosisInput, settings: DiagnosisSettings): Diagnosis | null {
  if (a.httpCode === 200 || a.httpCode === 201) return null;
  switch (a.errorCode) {
    case 'internal':
      return {
        code: 'internal',
        cause: 'The gateway could not prepare this request (an error on our side, before anything was sent).',
        fix: 'Nothing to change on your server: the delivery is retried on the usual schedule. If it keeps failing, report the log id.',
      };
    case 'interrupted':
      return {
        code: 'interrupted',
        cause: 'The gateway was stopping (a restart or deploy) before your server answered.',
        fix: 'Nothing to change on your server: the delivery is sent again at once with the same webhook-id, so deduplicate on that header.',
      };
    case 'private_target':
      return {
        code: 'private_target',
        cause: 'The URL points to a local or private network address, which the gateway refuses to call.',
        fix: 'Use an address reachable on the public internet. ALLOW_PRIVATE_TARGETS=true is for development only.',
      };
    case 'invalid_url':
      return {
        code: 'invalid_url',
        cause: 'The saved URL is not allowed: it is not a valid address, or its scheme or port is refused by this gateway (https only in production; no database ports).',
        fix: 'Edit the webhook and enter a full https:// URL on port 443, 8443 or from 1024, such as https://api.yoursite.com/webhooks/kirisan.',
      };
    case 'dns':
      return { code: 'dns', cause: 'Kirisan could not connect: the host name does not resolve (DNS).', fix: `Verify the domain's DNS records. ${REACH}` };
    case 'connection_refused':
      return { code: 'connection_refused', cause: 'Kirisan could not connect: nothing accepted the connection at that address and port.', fix: `Check that your server is running and listening on that port. ${REACH}` };
    case 'connection_reset':
      return { code: 'connection_reset', cause: 'The connection was closed before your server answered.', fix: 'Check your server and any proxy or load balancer in front of it for crashes or idle-connection limits.' };
    case 'unreachable':
      return { code: 'unreachable', cause: 'Kirisan could not connect: the network route to the host failed.', fix: REACH };
    case 'tls':
      return {
        code: 'tls',
        cause: 'Kirisan reached your server, but the TLS handshake failed (the certificate was refused, or the port does not speak TLS).',
        fix: 'Check TLS certificate validity: not expired, issued for this host name, with the full chain served; and that the https:// port serves TLS.',
      };
    case 'timeout':
      return {
        code: 'timeout',
        cause: a.test
          ? `Your server did not answer within ${duration(settings.testTimeoutMs)}, the time a test waits.`
          : `Your server did not answer within ${duration(settings.timeoutMs)}, the time a live delivery waits.`,
        fix: 'Answer 200 or 201 at once and do slow work after responding (queue it). Verify DNS, TLS, and firewall if nothing arrives at all.',
      };
    case 'not_http':
      return {
        code: 'not_http',
        cause: 'Kirisan connected, but what answered is not an HTTP server (its reply is not HTTP).',
        fix: 'Check the port and the scheme of the URL: something else listens there (a database, SSH, a TLS-only port called with http://). Point the URL at your web server.',
      };
    case 'headers_too_large':
      return {
        code: 'headers_too_large',
        cause: `Your server answered with response headers over ${RESPONSE_HEADER_LIMIT / 1024} KB, more than Kirisan reads.`,
        fix: 'Answer the webhook with small headers (no large cookies or debug headers on this path): a plain 200 is enough.',
      };
    case 'redirect':
      return {
        code: 'redirect',
        cause: `Your server answered with a redirect (HTTP ${a.httpCode ?? '3xx'}), and redirects are not followed.`,
        fix: 'Save the final URL (for example https:// instead of http://, or with the trailing slash your server expects).',
      };
    case 'network':
      return { code: 'network', cause: 'Kirisan could not connect to your server.', fix: `Verify DNS, TLS, and firewall. ${REACH}` };
  }
  return statusDiagnosis(a);
}

function statusDiagnosis(a: DiagnosisInput): Diagnosis {
  const code = a.httpCode ?? 0;
  if (code === 0) return { code: 'no_response', cause: 'Kirisan could not connect (no HTTP response).', fix: `Verify DNS, TLS, and firewall. ${REACH}` };
  if (code === 401 || code === 403) {
    return {
      code: 'unauthorized',
      cause: `Your server refused the request as unauthorized (HTTP ${code}).`,
      fix: a.hasSecret
        ? `Your handler must read X-Webhook-Secret from the request headers and compare it to your configured signing secret.${a.test ? ' Allow test payloads with "production": false if your handler filters on that field.' : ''}`
        : 'No signing secret is set on this webhook, so X-Webhook-Secret is not sent: set one, or stop requiring it in your handler.',
    };
  }
  if (code === 502 || code === 503) return { code: 'overloaded', cause: `Your server rejected the request or was overloaded (HTTP ${code}).`, fix: 'Check the server and any proxy in front of it (is the app behind it running?), then send a new test.' };
  if (code === 504) return { code: 'gateway_timeout', cause: 'A proxy in front of your server timed out waiting for it (HTTP 504).', fix: 'Answer 200 or 201 at once and do slow work after responding.' };
  if (code === 410) {
    return a.test
      ? { code: 'gone', cause: 'Your server says this endpoint no longer exists (HTTP 410 Gone).', fix: 'Check the URL of the webhook; answer 200 or 201 when the endpoint exists again.' }
      : {
          code: 'gone',
          cause: 'Your server says this endpoint no longer exists (HTTP 410 Gone), so the endpoint was disabled at once and the delivery is kept, not retried.',
          fix: 'If the endpoint exists again (or the URL changed), fix it, enable the webhook and send a test: once Active, what was kept is delivered.',
        };
  }
  if (code === 404) return { code: 'not_found', cause: 'Your server has no handler at that path (HTTP 404).', fix: 'Check the URL path of the webhook against your server\'s routes.' };
  if (code === 405) return { code: 'method_not_allowed', cause: 'Your handler does not accept POST (HTTP 405).', fix: 'Accept POST requests with a JSON body at this URL.' };
  if (code === 400 || code === 422) {
    return { code: 'rejected_payload', cause: `Your server rejected the payload (HTTP ${code}).`, fix: 'Parse JSON from the request body and use the X-Kirisan-Event and X-Kirisan-Device headers for routing; compare your parser with the Payload preview.' };
  }
  if (code === 413) return { code: 'too_large', cause: 'Your server refused the body as too large (HTTP 413).', fix: 'Raise the request body limit of your server or proxy.' };
  if (code === 429) return { code: 'rate_limited', cause: 'Your server is rate limiting Kirisan (HTTP 429).', fix: 'Allow more requests from Kirisan, or raise the limit for this path.' };
  if (code >= 500) return { code: 'server_error', cause: `Your server failed while handling the request (HTTP ${code}).`, fix: 'Check your server logs for the error at that time, fix the handler, then send a new test.' };
  if (code >= 200 && code < 300) return { code: 'wrong_success_code', cause: `Your server answered HTTP ${code}, but only 200 or 201 count as success.`, fix: 'Return 200 or 201 from your handler.' };
  return { code: 'client_error', cause: `Your server refused the request (HTTP ${code}).`, fix: 'Check your server logs for why the request was refused.' };
}
