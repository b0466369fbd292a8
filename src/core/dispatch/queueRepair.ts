import type pg from 'pg';
import { repairQueues } from '../../db/sql/repairQueues.js';
import { coerceError } from '../errors.js';

/**
 * Runs the queue's safety net (repairQueues.ts) every `everyMs`: at worst, a delivery the
 * lanes lost track of waits this long. `onRepaired` hears of every lane it had to fix, which
 * should never happen (log it loudly).
 */
export function startQueueRepair(p: { pool: pg.Pool; everyMs?: number; onError?: (e: Error) => void; onRepaired?: (endpointIds: string[]) => void }): { stop(): void; runOnce(): Promise<string[]> } {
  const runOnce = () => repairQueues(p.pool);
  const timer = setInterval(() => {
    runOnce().then((ids) => ids.length && p.onRepaired?.(ids), (e: unknown) => p.onError?.(coerceError(e)));
  }, p.everyMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
