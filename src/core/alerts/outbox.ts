import type pg from 'pg';
import { claimAlerts, completeAlert, dropAlert, dropExpiredAlerts, retryAlert, type ClaimedAlert } from '../../db/sql/alertOutbox.js';
import { ALERT_CHANNEL } from '../../db/sql/channels.js';
import type { Listener } from '../../db/listener.js';
import { coerceError } from '../errors.js';
import { parseAlert, parseThread } from './alertJson.js';
import { threadRole } from './kinds.js';
import { ALERT_SEND_TIMEOUT_MS, Undeliverable, type Alert, type Notifier, type ThreadEntry } from './types.js';

export interface AlertSenderDeps {
  pool: pg.Pool;
  listener: Pick<Listener, 'on' | 'onReconnect'>;
  /** One per recipient kind this process can carry; rows of other kinds are left to other processes. */
  notifiers: Notifier[];
  onError?: (e: Error) => void;
  /** An alert given up on for one recipient (undeliverable, or too old). */
  onDropped?: (d: { alertId: string; recipientKind: string; reason: string }) => void;
  /** Fallback look for rows due again (leases of a stopped sender, other processes' retries), ms. @default 5_000 */
  pollMs?: number;
}

export interface AlertSender {
  /** Sends what is due now; resolves to the number of rows handled. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/** Rows claimed per statement. */
const BATCH = 20;
/** A claimed row is due again after this long: far above one send, so only a stopped sender's rows are taken over. */
export const ALERT_LEASE_MS = 4 * ALERT_SEND_TIMEOUT_MS;
/** Retries back off from 1 s, doubling, to at most this. */
const MAX_RETRY_MS = 5 * 60_000;
/** An alert not delivered to a recipient within a day is dropped for it: old news by then. */
export const ALERT_MAX_AGE_MS = 24 * 3_600_000;
const EXPIRY_EVERY_MS = 60_000;

/**
 * Sends the alert outbox through this process's notifiers. Woken by the NOTIFY the deciding
 * transaction sends at commit (and after a LISTEN reconnect), with a slow poll behind it.
 * At least once: a row is deleted only after its notifier took it, so a process stopped in
 * between leaves it to be sent again when the lease ends (the alert webhook's `webhook-id`
 * lets a receiver drop the repeat). A failed send is retried with backoff; one that cannot
 * succeed (`Undeliverable`) or is a day old is dropped and reported.
 */
export function startAlertSender(deps: AlertSenderDeps): AlertSender {
  const byKind = new Map<string, Notifier>(deps.notifiers.map((n) => [n.kind, n]));
  const kinds = [...byKind.keys()];
  const report = (e: unknown) => deps.onError?.(coerceError(e));
  let stopped = false;
  let running: Promise<number> | null = null;
  let again = false;
  let lastExpiry = 0;
  const retryTimers = new Set<NodeJS.Timeout>();

  async function handle(row: ClaimedAlert): Promise<void> {
    let alert: Alert;
    let thread: ThreadEntry[];
    try {
      alert = parseAlert(row.alert);
      thread = parseThread(row.thread);
    } catch (e) {
      await dropAlert(deps.pool, row.rowId);
      deps.onDropped?.({ alertId: row.rowId, recipientKind: row.recipientKind, reason: `unreadable row: ${coerceError(e).message}` });
      return;
    }
    try {
      // Claimed by kind, so this process has the row's notifier.
      const notifier = byKind.get(row.recipientKind)!;
      const ref = await notifier.send(alert, { kind: notifier.kind, address: row.recipient }, thread);
      await completeAlert(deps.pool, row.rowId, nextThread(thread, alert, ref));
    } catch (e) {
      if (e instanceof Undeliverable) {
        await dropAlert(deps.pool, row.rowId);
        deps.onDropped?.({ alertId: alert.id, recipientKind: row.recipientKind, reason: e.message });
        return;
      }
      const delayMs = Math.min(1000 * 2 ** (row.tries - 1), MAX_RETRY_MS);
      await retryAlert(deps.pool, row.rowId, delayMs, coerceError(e).message);
      wakeAfter(delayMs);
      report(e);
    }
  }

  function wakeAfter(ms: number): void {
    if (stopped) return;
    const t = setTimeout(() => {
      retryTimers.delete(t);
      wake();
    }, ms);
    t.unref();
    retryTimers.add(t);
  }

  async function drain(): Promise<number> {
    let handled = 0;
    if (Date.now() - lastExpiry >= EXPIRY_EVERY_MS) {
      lastExpiry = Date.now();
      for (const d of await dropExpiredAlerts(deps.pool, ALERT_MAX_AGE_MS)) {
        deps.onDropped?.({ alertId: d.alertId, recipientKind: d.recipientKind, reason: `not delivered within a day${d.lastError ? ` (last error: ${d.lastError})` : ''}` });
      }
    }
    do {
      again = false;
      for (;;) {
        if (stopped) return handled;
        const rows = await claimAlerts(deps.pool, { kinds, limit: BATCH, leaseMs: ALERT_LEASE_MS });
        if (!rows.length) break;
        // Rows of one (endpoint, recipient) never come together, so these sends are independent.
        await Promise.all(rows.map((r) => handle(r).catch(report)));
        handled += rows.length;
      }
    } while (again);
    return handled;
  }

  /** One drain at a time; a wake-up during a drain makes it look once more. */
  function flush(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    const run = drain().finally(() => (running = null));
    running = run;
    return run;
  }
  const wake = () => void flush().catch(report);

  const offNotify = deps.listener.on(ALERT_CHANNEL, wake);
  const offReconnect = deps.listener.onReconnect(wake);
  const timer = setInterval(wake, deps.pollMs ?? 5_000);
  timer.unref();
  wake();

  return {
    flush,
    async stop() {
      stopped = true;
      offNotify();
      offReconnect();
      clearInterval(timer);
      for (const t of retryTimers) clearTimeout(t);
      await running?.catch(() => undefined);
    },
  };
}

/**
 * The thread a recipient keeps for an endpoint after a send: a failure opens a new one, later
 * messages of the episode join it (the firing alert and the newest one are enough to resolve
 * in place: older summaries lose their buttons when a newer one comes), a recovery ends it.
 * A send with nothing to resolve in place (an alert webhook's) keeps the thread, empty if need
 * be: it says the recipient is in the episode, so it gets the recovery (queue.ts).
 */
export function nextThread(prev: readonly ThreadEntry[], alert: Alert, ref: string | null): ThreadEntry[] | null {
  const role = threadRole(alert.kind);
  if (role === 'resolves') return null;
  if (ref === null) return [...prev];
  const entry = { ref, alert };
  if (role === 'opens' || !prev.length) return [entry];
  return [prev[0]!, entry];
}
