import type pg from 'pg';
import { pruneAttempts, pruneDeliveries } from '../../db/sql/attempts.js';
import { coerceError } from '../errors.js';

/**
 * Prunes attempts (and finished events with their deliveries) older than the retention
 * period, now and then every `everyMs`. Several processes may run it; deletes are idempotent.
 */
export function startRetention(p: { pool: pg.Pool; days: number; everyMs?: number; onError?: (e: Error) => void; onPruned?: (n: number) => void }): { stop(): void; runOnce(): Promise<number> } {
  const runOnce = async () => {
    const before = new Date(Date.now() - p.days * 86_400_000);
    const n = await pruneAttempts(p.pool, before);
    await pruneDeliveries(p.pool, before);
    return n;
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
