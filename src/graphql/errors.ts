import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { publicError, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../log.js';
import { LIMIT_CODE } from './limits.js';

const PUBLIC_CODE: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'BAD_USER_INPUT',
  INVALID_URL: 'BAD_USER_INPUT',
  PRIVATE_TARGET_REFUSED: 'BAD_USER_INPUT',
  BAD_CURSOR: 'BAD_USER_INPUT',
  PAYLOAD_TOO_LARGE: 'BAD_USER_INPUT',
  PAYLOAD_TOO_DEEP: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  UNAVAILABLE: 'UNAVAILABLE',
};

/** GraphQL's own codes, which carry no internals and pass through as they are. */
const GRAPHQL_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', LIMIT_CODE]);

/** graphql-js's parser, stopped by the `maxTokens` parse option. */
const TOKEN_LIMIT = /^Syntax Error: Document contains more that (\d+) tokens/;

export interface ErrorFormatterOptions {
  /**
   * With introspection off, the schema is not public: "Did you mean …?" hints, which would
   * spell it out field by field to anyone probing with misspelled names, are removed.
   */
  hideSuggestions: boolean;
}

/**
 * The one place core errors become GraphQL errors: a CoreError keeps its message and gets
 * `extensions.code` (BAD_USER_INPUT, NOT_FOUND, …) plus `field` and `reason` (the core code);
 * anything else is an internal failure, logged in full and shown as an opaque message, never
 * with a stack trace or SQL. Messages never echo a submitted value (it may be a secret).
 */
export function createErrorFormatter(log: Logger, opts: ErrorFormatterOptions) {
  const words = (message: string) => {
    const text = withoutSubmittedValue(message);
    return opts.hideSuggestions ? text.replace(/\s*Did you mean [^?]*\?/g, '') : text;
  };
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
          ...(known.code === 'UNAVAILABLE' ? { retryable: true } : {}),
          ...(known.retryAfterSeconds !== undefined ? { retryAfterSeconds: known.retryAfterSeconds } : {}),
        },
      };
    }
    const ext = formatted.extensions ?? {};
    const tokens = TOKEN_LIMIT.exec(formatted.message);
    if (tokens) {
      return { message: `The document has more than ${tokens[1]} tokens: send a smaller operation.`, extensions: { code: LIMIT_CODE, limit: 'tokens', max: Number(tokens[1]) } };
    }
    if (typeof ext.limit === 'string') {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: LIMIT_CODE, limit: ext.limit, max: ext.max } };
    }
    const code = ext.code;
    if (typeof code === 'string' && GRAPHQL_CODES.has(code)) {
      return { message: words(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    // A GraphQLError that wraps nothing was raised by GraphQL itself (a variable of the wrong
    // type, an unknown enum value): it is about the request, and says nothing internal.
    if (raisedByGraphQL(original)) {
      return { message: words(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { code: typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' ? code : 'BAD_USER_INPUT' } };
    }
    log.error({ err: original, path: formatted.path }, 'GraphQL operation failed');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * graphql-js says `Variable "$i" got invalid value { …the whole input… } at "i.x"; reason`,
 * which repeats a signing secret submitted beside a typo back to the caller (and to every
 * proxy and client log on the way). The path and the reason say enough.
 */
function withoutSubmittedValue(message: string): string {
  const m = /^Variable "(\$[^"]+)" got invalid value [\s\S]*?(?: at "([^"]*)")?; ([^;]*)$/.exec(message);
  if (!m) return message;
  return `Variable "${m[1]}" has an invalid value${m[2] ? ` at "${m[2]}"` : ''}: ${m[3]}`;
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
