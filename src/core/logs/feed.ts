import type pg from 'pg';
import type { Listener } from '../../db/listener.js';
import { attemptsByIds } from '../../db/sql/attempts.js';
import { ATTEMPT_CHANNEL } from '../../db/sql/channels.js';
import { coerceError } from '../errors.js';
import { attemptView, type AttemptView } from './attempts.js';
import { matchesFilter, normalizeFilter, type AttemptFilter } from './filter.js';

export interface AttemptFeed {
  /** Calls `onAttempt` for every new attempt of the account that matches the filter, from any process. */
  subscribe(accountId: string, filter: AttemptFilter | null, onAttempt: (a: AttemptView) => void): () => void;
  close(): void;
}

/**
 * The live log. Every process that records attempts announces their ids with NOTIFY (see
 * recordAttempts); each process's feed reads the rows once per announcement, only for
 * accounts someone here is subscribed to, and fans them out in memory.
 */
export function createAttemptFeed(deps: { pool: pg.Pool; listener: Listener; onError?: (e: Error) => void }): AttemptFeed {
  const subs = new Map<string, Set<{ filter: ReturnType<typeof normalizeFilter>; onAttempt: (a: AttemptView) => void }>>();

  async function deliver(payload: string): Promise<void> {
    const wanted = new Map<string, string[]>();
    for (const pair of payload.split(',')) {
      const [accountId, id] = pair.split(':');
      if (!accountId || !id || !subs.has(accountId)) continue;
      wanted.set(accountId, [...(wanted.get(accountId) ?? []), id]);
    }
    if (!wanted.size) return;
    const rows = await attemptsByIds(deps.pool, [...wanted.values()].flat(), [...wanted.keys()]);
    for (const row of rows) {
      const view = attemptView(row);
      for (const s of subs.get(row.account_id) ?? []) {
        if (!matchesFilter(s.filter, view)) continue;
        try {
          s.onAttempt(view);
        } catch (e) {
          deps.onError?.(coerceError(e));
        }
      }
    }
  }

  const off = deps.listener.on(ATTEMPT_CHANNEL, (_channel, payload) => {
    deliver(payload).catch((e: unknown) => deps.onError?.(coerceError(e)));
  });

  return {
    subscribe(accountId, filter, onAttempt) {
      const entry = { filter: normalizeFilter(filter), onAttempt };
      let set = subs.get(accountId);
      if (!set) subs.set(accountId, (set = new Set()));
      set.add(entry);
      return () => {
        set.delete(entry);
        if (!set.size) subs.delete(accountId);
      };
    },
    close() {
      off();
      subs.clear();
    },
  };
}
