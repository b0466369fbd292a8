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
  | 'BAD_CURSOR';

export class CoreError extends Error {
  override readonly name = 'CoreError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Input refused: names the field at fault and why. */
export const invalid = (field: string, reason: string): CoreError =>
  new CoreError('VALIDATION_FAILED', `${field}: ${reason}`, field);

/** Never says whether the thing exists in another account. */
export const notFound = (what: string, field?: string): CoreError =>
  new CoreError('NOT_FOUND', `${what} not found in this account`, field);

export const isCoreError = (e: unknown): e is CoreError => e instanceof CoreError;

/** Normalises whatever was thrown into an Error, keeping the original as `cause`. */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e), { cause: e });
}
