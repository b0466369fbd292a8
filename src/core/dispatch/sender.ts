import { Agent, type Dispatcher } from 'undici';
import { isCoreError } from '../errors.js';
import { checkLiteralHost, guardedLookup, type TargetPolicy } from '../security/urlGuard.js';
import { classifyNetworkError, RESPONSE_HEADER_LIMIT, type AttemptErrorCode } from './attemptError.js';
import { Deadlines } from './deadlines.js';
import { retryAfterMs } from './retryAfter.js';

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
  /** A 429 or 503 asked us to wait this long before the next POST (Retry-After), ms; null otherwise. */
  retryAfterMs: number | null;
}

export interface Sender {
  post(req: PostRequest): Promise<PostResult>;
  /**
   * Cuts off every POST in flight (a stop whose grace ran out): each answers at once as a
   * failed attempt with error code `interrupted`.
   */
  interruptAll(): void;
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
 *
 * Hot path: each POST goes through `agent.dispatch` with a small handler (no response
 * stream, no AbortSignal and no timer of its own: one shared timer enforces every POST's
 * overall timeout, see deadlines.ts). In the profile of the `request()` +
 * AbortSignal.timeout version, the response stream, the signal's timer and its listeners
 * were the worker's largest costs after undici's own HTTP parsing.
 */
export function createSender(opts: SenderOptions): Sender {
  const agent = new Agent({
    connections: opts.connectionsPerOrigin,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    maxHeaderSize: RESPONSE_HEADER_LIMIT,
    connect: { lookup: guardedLookup(opts.targets) },
  });
  const now = opts.now ?? Date.now;
  const deadlines = new Deadlines();
  const interrupts = new Set<() => void>();

  function post(req: PostRequest): Promise<PostResult> {
    const startedAt = new Date(now());
    const t0 = performance.now();
    const done = (r: Answer): PostResult => ({
      ok: r.httpCode === 200 || r.httpCode === 201,
      httpCode: r.httpCode,
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      errorCode: r.errorCode,
      errorText: r.errorText,
      responseBody: r.responseBody,
      retryAfterMs: r.retryAfterMs ?? null,
    });
    let url: URL;
    try {
      url = new URL(req.url);
      checkLiteralHost(url, opts.targets);
    } catch (e) {
      const refused = isCoreError(e) && e.code === 'PRIVATE_TARGET_REFUSED';
      return Promise.resolve(done({ httpCode: null, errorCode: refused ? 'private_target' : 'invalid_url', errorText: (e as Error).message, responseBody: null }));
    }
    return new Promise<PostResult>((resolve) => {
      const body = new BodyCollector(opts.responseBodyLimit);
      let status = 0;
      let location: string | undefined;
      let retryAfter: string | undefined;
      let controller: Dispatcher.DispatchController | null = null;
      let settled = false;
      const settle = (r: Answer) => {
        if (settled) return;
        settled = true;
        deadlines.remove(deadline);
        interrupts.delete(interrupt);
        resolve(done(r));
      };
      const response = () => settle({ ...responseResult(status, location, body.text()), retryAfterMs: retryAfterMs(status, retryAfter, now()) });
      const failure = (e: unknown) => {
        const { code, text } = classifyNetworkError(e);
        settle({ httpCode: null, errorCode: code, errorText: code === 'timeout' ? `no response within ${req.timeoutMs} ms` : text, responseBody: null });
      };
      // Covers the whole POST, waiting for a connection included; a POST still queued when
      // it fires is answered at once and aborted as soon as undici starts it.
      const deadline = deadlines.add(req.timeoutMs, () => {
        const timeout = new TimeoutError(req.timeoutMs);
        controller?.abort(timeout);
        failure(timeout);
      });
      const interrupt = () => {
        const stop = new InterruptedError();
        controller?.abort(stop);
        failure(stop);
      };
      interrupts.add(interrupt);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (settled) c.abort(new InterruptedError());
        },
        onResponseStart(_c, statusCode, headers) {
          status = statusCode;
          const l = headers['location'];
          location = Array.isArray(l) ? l[0] : l;
          const ra = headers['retry-after'];
          retryAfter = Array.isArray(ra) ? ra[0] : ra;
        },
        onResponseData(c, chunk) {
          // Enough kept: drop the rest without waiting for it (the connection closes).
          if (body.add(chunk)) c.abort(new BodyLimitReached());
        },
        onResponseEnd: response,
        onResponseError(_c, e) {
          if (e instanceof BodyLimitReached) response();
          else failure(e);
        },
      };
      try {
        agent.dispatch(
          { origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers: req.headers, body: req.body, headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs },
          handler,
        );
      } catch (e) {
        failure(e);
      }
    });
  }

  return {
    post,
    interruptAll() {
      for (const interrupt of [...interrupts]) interrupt();
    },
    close: async () => {
      deadlines.close();
      await agent.close();
    },
  };
}

/** What the sender learnt; the rest of a PostResult is the clock's. */
type Answer = Omit<PostResult, 'startedAt' | 'durationMs' | 'ok' | 'retryAfterMs'> & { retryAfterMs?: number | null };

function responseResult(code: number, location: string | undefined, body: string): Answer {
  if (code === 200 || code === 201) return { httpCode: code, errorCode: null, errorText: null, responseBody: body };
  if (code >= 300 && code < 400) {
    return {
      httpCode: code,
      errorCode: 'redirect',
      errorText: `HTTP ${code}: redirects are not followed${location ? ` (Location: ${location})` : ''}`,
      responseBody: body,
    };
  }
  return { httpCode: code, errorCode: 'http_status', errorText: `HTTP ${code}: only 200 or 201 count as success`, responseBody: body };
}

/** A POST that outlived its timeout (classified as `timeout`). */
class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`no response within ${ms} ms`);
  }
}

/** A POST cut off because the gateway is stopping (classified as `interrupted`). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('the gateway stopped before the server answered');
  }
}

/** Not an error: the response body passed the limit and the rest is not wanted. */
class BodyLimitReached extends Error {}

/** Keeps the first `limit` bytes of a response body as text. */
class BodyCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  /** True once the limit is reached. */
  add(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this.size >= this.limit;
  }

  text(): string {
    // PostgreSQL text cannot hold NUL bytes.
    const text = Buffer.concat(this.chunks).subarray(0, this.limit).toString('utf8').replace(/\u0000/g, '');
    return this.size > this.limit ? `${text}…` : text;
  }
}
