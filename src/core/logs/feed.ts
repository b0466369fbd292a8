import type pg from 'pg';
import type { Listener } from '../../db/listener.js';
import { attemptsAfter, attemptsByIds, newestAttemptId, type AttemptRow } from '../../db/sql/attempts.js';
import { ATTEMPT_CHANNEL } from '../../db/sql/channels.js';
import type { DiagnosisSettings } from '../diagnose/diagnose.js';
import { coerceError } from '../errors.js';
import { attemptView, type AttemptView } from './attempts.js';
import { matchesFilter, normalizeFilter, type AttemptFilter } from './filter.js';

export interface AttemptFeed {
  /** Calls `onAttempt` for every new attempt of the account that matches the filter, from any process. */
  subscribe(accountId: string, filter: AttemptFilter | null, onAttempt: (a: AttemptView) => void): () => void;
  /** Subscriptions open in this process (of one account, when given). */
  subscribers(accountId?: string): number;
  close(): void;
}

/** Most attempts read back after a reconnect; older misses stay in the log (queryable), not in the feed. */
const CATCH_UP_MAX = 5_000;

/**
 * The live log. Every process that records attempts announces their ids with NOTIFY (see
 * recordAttempts); each process's feed reads the rows once per announcement, only for
 * accounts someone here is subscribed to, and fans them out in memory. Announcements made
 * while the LISTEN connection was down are lost, so after a reconnect the feed reads the
 * attempts recorded after the newest one it saw.
 */
export function createAttemptFeed(deps: { pool: pg.Pool; listener: Listener; diagnosis: DiagnosisSettings; onError?: (e: Error) => void }): AttemptFeed {
  const subs = new Map<string, Set<{ filter: ReturnType<typeof normalizeFilter>; onAttempt: (a: AttemptView) => void }>>();
  const report = (e: unknown) => deps.onError?.(coerceError(e));
  /** Newest attempt id announced or read here (ids grow): where a catch-up starts. */
  let newestSeen: bigint | null = null;
  const saw = (id: string) => {
    const n = BigInt(id);
    if (newestSeen === null || n > newestSeen) newestSeen = n;
  };

  function fanOut(rows: AttemptRow[]): void {
    for (const row of rows) {
      saw(row.id);
      const view = attemptView(row, deps.diagnosis);
      for (const s of subs.get(row.account_id) ?? []) {
        if (!matchesFilter(s.filter, view)) continue;
        try {
          s.onAttempt(view);
        } catch (e) {
          report(e);
        }
      }
    }
  }

  async function deliver(payload: string): Promise<void> {
    const wanted = new Map<string, string[]>();
    for (const pair of payload.split(',')) {
      const [accountId, id] = pair.split(':');
      if (!accountId || !id || !/^\d{1,19}$/.test(id)) continue;
      saw(id);
      if (subs.has(accountId)) wanted.set(accountId, [...(wanted.get(accountId) ?? []), id]);
    }
    if (!wanted.size) return;
    fanOut(await attemptsByIds(deps.pool, [...wanted.values()].flat(), [...wanted.keys()]));
  }

  async function catchUp(): Promise<void> {
    if (!subs.size || newestSeen === null) return;
    fanOut(await attemptsAfter(deps.pool, [...subs.keys()], String(newestSeen), CATCH_UP_MAX));
  }

  const off = deps.listener.on(ATTEMPT_CHANNEL, (_channel, payload) => {
    deliver(payload).catch(report);
  });
  const offReconnect = deps.listener.onReconnect(() => {
    catchUp().catch(report);
  });

  return {
    subscribe(accountId, filter, onAttempt) {
      const entry = { filter: normalizeFilter(filter), onAttempt };
      let set = subs.get(accountId);
      if (!set) subs.set(accountId, (set = new Set()));
      set.add(entry);
      // The first subscriber fixes where a catch-up would start, if nothing was announced yet.
      if (newestSeen === null) newestAttemptId(deps.pool).then((id) => newestSeen === null && saw(id), report);
      return () => {
        set.delete(entry);
        if (!set.size) subs.delete(accountId);
      };
    },
    subscribers: (accountId) => (accountId ? (subs.get(accountId)?.size ?? 0) : [...subs.values()].reduce((n, set) => n + set.size, 0)),
    close() {
      off();
      offReconnect();
      subs.clear();
    },
  };
}
