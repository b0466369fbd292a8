import type pg from 'pg';
import { dropAttemptPartitions, ensureAttemptPartitions } from '../../db/sql/attemptPartitions.js';
import { pruneDeliveriesAndEvents } from '../../db/sql/pruneDeliveriesAndEvents.js';
import { prunePublishKeys } from '../../db/sql/publishKeys.js';
import { coerceError } from '../errors.js';

const DAY_MS = 86_400_000;
/** Days of attempt partitions made ahead, so that a write never waits for one. */
const DAYS_AHEAD = 3;

/**
 * Keeps the attempt log's daily partitions made ahead, and prunes what is older than the
 * retention period, now and then every `everyMs`: attempts go a whole UTC day at a time
 * (dropping its partition, whatever its size), once that day ended more than `days` days
 * ago; finished deliveries and unused events row by row, in chunks. So an attempt is kept
 * at least `days` days and at most one more. Several processes may run it; every step is
 * idempotent.
 * Idempotency keys older than their window go too.
 */
export function startRetention(p: {
  pool: pg.Pool;
  days: number;
  idempotencyWindowMs: number;
  everyMs?: number;
  now?: () => Date;
  onError?: (e: Error) => void;
  /** The attempt partitions (days) a run dropped. */
  onPruned?: (partitions: string[]) => void;
}): { stop(): void; runOnce(): Promise<string[]> } {
  const now = p.now ?? (() => new Date());
  const runOnce = async () => {
    const t = now().getTime();
    await ensureAttemptPartitions(p.pool, new Date(t - DAY_MS), new Date(t + DAYS_AHEAD * DAY_MS));
    const before = new Date(t - p.days * DAY_MS);
    const days = await dropAttemptPartitions(p.pool, before);
    await pruneDeliveriesAndEvents(p.pool, before);
    await prunePublishKeys(p.pool, p.idempotencyWindowMs);
    return days;
  };
  const tick = () => runOnce().then((n) => p.onPruned?.(n), (e: unknown) => p.onError?.(coerceError(e)));
  const first = setTimeout(tick, 5_000);
  const timer = setInterval(tick, p.everyMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
    runOnce,
  };
}
