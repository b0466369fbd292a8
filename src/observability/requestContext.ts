import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What is known about the HTTP request (or GraphQL operation) being served. */
export interface RequestScope {
  requestId: string;
  /** The GraphQL operation's name, once Apollo has resolved it (for the access log). */
  operation?: string;
}

/**
 * The request being served, for every log line written while serving it (the logger's
 * mixin reads it) and for spans; set once per request by the HTTP handler.
 */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** Callers may bring their own id (a proxy's, a client's); anything odd is replaced. */
const ACCEPTED_ID = /^[\w.:@/+=-]{1,128}$/;

/** The caller's X-Request-Id when it looks like an id, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTED_ID.test(value) ? value : randomUUID();
}

export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}
