import { isDatabaseUnavailable } from '../db/unavailable.js';

/**
 * Typed errors of the core. Every refusal a user can cause carries a stable `code` and,
 * when one input is at fault, the `field`. Each front door maps these once (GraphQL:
 * extensions.code; bot: a reply); anything that is not a CoreError is an internal failure
 * and stays opaque outward.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_URL'
  | 'PRIVATE_TARGET_REFUSED'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'BAD_CURSOR'
  | 'PAYLOAD_TOO_LARGE'
  | 'PAYLOAD_TOO_DEEP'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export class CoreError extends Error {
  override readonly name = 'CoreError';
  /** Why, without the field's name (a door puts its own label for the field in front: core/fields.ts). */
  readonly reason: string;
  /** For RATE_LIMITED and UNAVAILABLE: when a retry may succeed (HTTP Retry-After). */
  readonly retryAfterSeconds?: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown; reason?: string; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.reason = options?.reason ?? message;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Input refused: names the field at fault and why. */
export const invalid = (field: string, reason: string): CoreError =>
  new CoreError('VALIDATION_FAILED', `${field}: ${reason}`, field, { reason });

/** Never says whether the thing exists in another account. */
export const notFound = (what: string, field?: string): CoreError =>
  new CoreError('NOT_FOUND', `${what} not found in this account`, field);

/** Seconds a caller should wait before retrying an UNAVAILABLE answer (HTTP Retry-After). */
export const RETRY_AFTER_SECONDS = 2;

export const unavailable = (cause: unknown): CoreError =>
  new CoreError(
    'UNAVAILABLE',
    `The gateway's database is not answering right now (it may be restarting). Try again in ${RETRY_AFTER_SECONDS} seconds or so: retrying is safe (a publish retried with the same idempotencyKey is stored once).`,
    undefined,
    { cause, retryAfterSeconds: RETRY_AFTER_SECONDS },
  );

export const rateLimited = (retryAfterSeconds: number): CoreError =>
  new CoreError('RATE_LIMITED', `Too many failed authentications from your address: try again in ${retryAfterSeconds} s with a valid API key.`, undefined, { retryAfterSeconds });

export const isCoreError = (e: unknown): e is CoreError => e instanceof CoreError;

/**
 * What a front door tells the caller about a failure: a CoreError as it is, a database that
 * cannot be reached as UNAVAILABLE (retryable), and null for anything else (an internal
 * failure: opaque outward, logged in full).
 */
export function publicError(e: unknown): CoreError | null {
  if (isCoreError(e)) return e;
  return isDatabaseUnavailable(e) ? unavailable(e) : null;
}

/** Normalises whatever was thrown into an Error, keeping the original as `cause`. */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e), { cause: e });
}
