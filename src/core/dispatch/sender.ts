import { Agent, request } from 'undici';
import { isCoreError } from '../errors.js';
import { checkLiteralHost, guardedLookup, type TargetPolicy } from '../security/urlGuard.js';
import { classifyNetworkError, type AttemptErrorCode } from './attemptError.js';

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface PostResult {
  /** Exactly 200 or 201: the product's definition of success. */
  ok: boolean;
  /** Null when no response came. */
  httpCode: number | null;
  startedAt: Date;
  durationMs: number;
  errorCode: AttemptErrorCode | null;
  errorText: string | null;
  /** The first bytes of the response body (see responseBodyLimit); null when none came. */
  responseBody: string | null;
}

export interface Sender {
  post(req: PostRequest): Promise<PostResult>;
  close(): Promise<void>;
}

export interface SenderOptions {
  targets: TargetPolicy;
  /** Sockets kept per origin; matches the per-endpoint concurrency. */
  connectionsPerOrigin: number;
  responseBodyLimit: number;
  now?: () => number;
}

/**
 * POSTs over a keep-alive undici Agent whose only DNS lookup is the URL guard's, so the
 * socket connects to the address that was checked. Redirects are never followed: a 3xx is
 * a failed attempt naming the Location.
 */
export function createSender(opts: SenderOptions): Sender {
  const agent = new Agent({
    connections: opts.connectionsPerOrigin,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { lookup: guardedLookup(opts.targets) },
  });
  const now = opts.now ?? Date.now;

  async function post(req: PostRequest): Promise<PostResult> {
    const startedAt = new Date(now());
    const t0 = performance.now();
    const done = (r: Omit<PostResult, 'startedAt' | 'durationMs' | 'ok'>): PostResult => ({
      ...r,
      ok: r.httpCode === 200 || r.httpCode === 201,
      startedAt,
      durationMs: Math.round(performance.now() - t0),
    });
    let url: URL;
    try {
      url = new URL(req.url);
      checkLiteralHost(url, opts.targets);
    } catch (e) {
      const refused = isCoreError(e) && e.code === 'PRIVATE_TARGET_REFUSED';
      return done({ httpCode: null, errorCode: refused ? 'private_target' : 'invalid_url', errorText: (e as Error).message, responseBody: null });
    }
    const signal = AbortSignal.timeout(req.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: req.headers,
        body: req.body,
        signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const body = await readLimited(res.body, opts.responseBodyLimit);
      const code = res.statusCode;
      if (code === 200 || code === 201) return done({ httpCode: code, errorCode: null, errorText: null, responseBody: body });
      if (code >= 300 && code < 400) {
        const location = res.headers.location;
        return done({
          httpCode: code,
          errorCode: 'redirect',
          errorText: `HTTP ${code}: redirects are not followed${location ? ` (Location: ${String(location)})` : ''}`,
          responseBody: body,
        });
      }
      return done({ httpCode: code, errorCode: 'http_status', errorText: `HTTP ${code}: only 200 or 201 count as success`, responseBody: body });
    } catch (e) {
      const { code, text } = classifyNetworkError(signal.aborted ? signal.reason ?? e : e);
      const errorText = code === 'timeout' ? `no response within ${req.timeoutMs} ms` : text;
      return done({ httpCode: null, errorCode: code, errorText, responseBody: null });
    }
  }

  return { post, close: () => agent.close() };
}

/** Keeps the first `limit` bytes as text and drops the rest without waiting for it. */
async function readLimited(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  // PostgreSQL text cannot hold NUL bytes.
  const text = Buffer.concat(chunks).subarray(0, limit).toString("utf8").replace(/\u0000/g, "");
  return size > limit ? `${text}…` : text;
}
