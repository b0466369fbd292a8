import { createHash } from 'node:crypto';
import type pg from 'pg';
import { insertEvents, type EventInsert } from '../../db/sql/insertEvent.js';
import { claimPublishKeys, readPublishKeys, recordPublishKeys, type StoredPublish } from '../../db/sql/publishKeys.js';
import { withTransaction } from '../../db/transaction.js';
import { CoreError } from '../errors.js';

/** One event to store, with the idempotency key the publisher sent for it (if any). */
export interface KeyedEvent {
  insert: EventInsert;
  key: string | null;
  notRoutedReason: string | null;
  /** Names the key's field in an error (`idempotencyKey`, `events[3].idempotencyKey`). */
  keyField: string;
}

export interface StoredEvent {
  eventId: string;
  deliveries: number;
  notRoutedReason: string | null;
  /** True when an earlier publish with the same key is answered instead (nothing new was queued). */
  replayed: boolean;
}

/**
 * Stores events at most once per (account, idempotency key) within the window, all in one
 * transaction: the keys are claimed first (a retry racing the first call waits for it there),
 * then only the events whose key was won, or that carry none, are stored with their
 * deliveries; every other event is answered with the result stored under its key. A key
 * reused for different content is refused (CONFLICT) rather than answered with an unrelated
 * event, and the whole call then stores nothing.
 */
export async function insertEventsOnce(pool: pg.Pool, windowMs: number, events: KeyedEvent[]): Promise<StoredEvent[]> {
  const hashes = events.map((e) => requestHash(e.insert));
  const id = (e: KeyedEvent) => `${e.insert.accountId} ${e.key}`;
  // The first event of each key in this call claims it; later ones repeat it.
  const first = new Map<string, number>();
  events.forEach((e, i) => {
    if (e.key === null) return;
    const j = first.get(id(e));
    if (j === undefined) first.set(id(e), i);
    else if (hashes[j] !== hashes[i]) throw reused(e.keyField);
  });
  const claims = [...first.values()]
    .map((i) => ({ accountId: events[i]!.insert.accountId, key: events[i]!.key!, requestHash: hashes[i]! }))
    .sort((a, b) => (a.accountId === b.accountId ? (a.key < b.key ? -1 : 1) : a.accountId < b.accountId ? -1 : 1));

  return withTransaction(pool, async (client) => {
    const won = claims.length ? await claimPublishKeys(client, windowMs, claims) : new Set<string>();
    const lost = claims.filter((c) => !won.has(`${c.accountId} ${c.key}`));
    const earlier = lost.length ? await readPublishKeys(client, lost) : new Map<string, StoredPublish>();
    for (const c of lost) {
      const i = first.get(`${c.accountId} ${c.key}`)!;
      if (earlier.get(`${c.accountId} ${c.key}`)?.requestHash !== hashes[i]) throw reused(events[i]!.keyField);
    }
    const fresh = events.map((e, i) => e.key === null || (first.get(id(e)) === i && won.has(id(e))));
    const toStore = events.filter((_, i) => fresh[i]);
    const stored = await insertEvents(client, toStore.map((e) => e.insert));
    const byIndex = new Map<number, StoredEvent>();
    let n = 0;
    events.forEach((e, i) => {
      if (!fresh[i]) return;
      const s = stored[n++]!;
      byIndex.set(i, { eventId: s.eventId, deliveries: s.deliveries, notRoutedReason: e.notRoutedReason, replayed: false });
    });
    const results = events.map((e, i): StoredEvent => {
      const own = byIndex.get(i);
      if (own) return own;
      const repeated = byIndex.get(first.get(id(e))!) ?? earlier.get(id(e))!;
      return { eventId: repeated.eventId, deliveries: repeated.deliveries, notRoutedReason: repeated.notRoutedReason, replayed: true };
    });
    const record = [...first.entries()]
      .filter(([k]) => won.has(k))
      .map(([, i]) => ({ accountId: events[i]!.insert.accountId, key: events[i]!.key!, eventId: results[i]!.eventId, deliveries: results[i]!.deliveries, notRoutedReason: results[i]!.notRoutedReason }));
    if (record.length) await recordPublishKeys(client, record);
    return results;
  });
}

/** What a retry must repeat exactly: the device, the event type and the payload built from the data. */
function requestHash(e: EventInsert): string {
  return createHash('sha256').update(`${e.deviceId}\n${e.type}\n${e.payloadJson}`).digest('base64url');
}

const reused = (field: string) =>
  new CoreError('CONFLICT', `${field}: this key was already used for a different event; send a new key with each new event (a retry repeats the same key and the same event)`, field);
