import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { publicError, RETRY_AFTER_SECONDS, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../log.js';

const PUBLIC_CODE: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'BAD_USER_INPUT',
  INVALID_URL: 'BAD_USER_INPUT',
  PRIVATE_TARGET_REFUSED: 'BAD_USER_INPUT',
  BAD_CURSOR: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  UNAVAILABLE: 'UNAVAILABLE',
};

/** GraphQL's own codes, which carry no internals and pass through as they are. */
const GRAPHQL_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'QUERY_TOO_COMPLEX']);

/**
 * The one place core errors become GraphQL errors: a CoreError keeps its message and gets
 * `extensions.code` (BAD_USER_INPUT, NOT_FOUND, …) plus `field` and `reason` (the core code);
 * anything else is an internal failure, logged in full and shown as an opaque message, never
 * with a stack trace or SQL.
 */
export function createErrorFormatter(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const known = publicError(original) ?? publicError(wrapped(original));
    if (known) {
      if (known.code === 'UNAVAILABLE') log.warn({ err: original, path: formatted.path }, 'database unavailable: answered UNAVAILABLE');
      return {
        message: known.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: {
          code: PUBLIC_CODE[known.code],
          reason: known.code,
          ...(known.field ? { field: known.field } : {}),
          ...(known.code === 'UNAVAILABLE' ? { retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS } : {}),
        },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && GRAPHQL_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    // A GraphQLError that wraps nothing was raised by GraphQL itself (a variable of the wrong
    // type, an unknown enum value): it is about the request, and says nothing internal.
    if (raisedByGraphQL(original)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' ? code : 'BAD_USER_INPUT' } };
    }
    log.error({ err: original, path: formatted.path }, 'GraphQL operation failed');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** What a GraphQLError made by Apollo around our error (context creation) carries. */
function wrapped(e: unknown): unknown {
  return e instanceof GraphQLError ? e.originalError : undefined;
}

/** True when the error and everything it wraps are GraphQL's own errors (no exception of ours). */
function raisedByGraphQL(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; depth < 5; depth++) {
    if (!(cur instanceof GraphQLError)) return false;
    if (!cur.originalError) return true;
    cur = cur.originalError;
  }
  return false;
}
