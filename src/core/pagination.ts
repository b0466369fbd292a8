import { createHash } from 'node:crypto';
import { CoreError, invalid } from './errors.js';

/**
 * Keyset pagination. A cursor is the sort key of the last row seen plus a fingerprint of
 * the filter it was made under: a cursor replayed with another filter is refused, so a
 * changed filter always restarts from the first page.
 */
export interface Page<T> {
  items: T[];
  /** Cursor of each item (Relay edges). */
  cursors: string[];
  /** Cursor of the last item, to pass as `after`; null when the page is empty. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

export function pageSize(first: number | undefined | null): number {
  if (first === undefined || first === null) return PAGE_DEFAULT;
  if (!Number.isInteger(first) || first < 1 || first > PAGE_MAX) throw invalid('first', `must be a whole number from 1 to ${PAGE_MAX}`);
  return first;
}

export function filterFingerprint(filter: unknown): string {
  return createHash('sha256').update(JSON.stringify(filter ?? null)).digest('base64url').slice(0, 12);
}

export function encodeCursor(key: readonly (string | number)[], filter: unknown): string {
  return Buffer.from(JSON.stringify({ k: key, f: filterFingerprint(filter) })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined | null, filter: unknown, arity: number): (string | number)[] | null {
  if (!cursor) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CoreError('BAD_CURSOR', 'after: not a cursor of this list; start again from the first page', 'after');
  }
  const body = parsed as { k?: unknown; f?: unknown };
  if (!Array.isArray(body.k) || body.k.length !== arity || !body.k.every((v) => typeof v === 'string' || typeof v === 'number')) {
    throw new CoreError('BAD_CURSOR', 'after: not a cursor of this list; start again from the first page', 'after');
  }
  if (body.f !== filterFingerprint(filter)) {
    throw new CoreError('BAD_CURSOR', 'after: the filter changed since this cursor was made; start again from the first page', 'after');
  }
  return body.k as (string | number)[];
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[], filter: unknown): Page<T> {
  const items = rows.slice(0, limit);
  const cursors = items.map((row) => encodeCursor(keyOf(row), filter));
  return { items, cursors, hasNextPage: rows.length > limit, endCursor: cursors[cursors.length - 1] ?? null };
}
