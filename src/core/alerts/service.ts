import { withTransaction } from '../../db/transaction.js';
import type pg from 'pg';
import { endpointsWithAlertState, lockAlertStates, lockDueAlertStates, saveAlertStates, type AlertStateRow } from '../../db/sql/alertStates.js';
import type { AttemptInsert } from '../../db/sql/recordAttempts.js';
import { diagnose, type DiagnosisSettings } from '../diagnose/diagnose.js';
import { coerceError } from '../errors.js';
import type { GatewayEvents } from '../observe.js';
import { evaluate, summaryDueBefore } from './evaluator.js';
import { fromRow, toRow } from './stateRows.js';
import { DEFAULT_FAILING_POLICY, disableFailingEndpoints, type FailingPolicy } from '../registry/endpointStatus.js';
import { queueAlerts, type AlertDraft } from './queue.js';
import type { Alert, AlertDecision, AlertSettings, ObservedAttempt } from './types.js';

export interface AlertServiceDeps {
  pool: pg.Pool;
  events: Pick<GatewayEvents, 'on'>;
  settings: AlertSettings;
  /** The timeouts in force, which an alert's diagnosis quotes. */
  diagnosis: DiagnosisSettings;
  /** Endpoints failing for this long are disabled (reason failing) in the same transaction. @default 5 days, 10 failures */
  disableFailing?: FailingPolicy;
  /** Told of each alert once it is committed to the outbox (the process log says it). */
  onAlert?: (alert: Alert) => void;
  now?: () => Date;
  onError?: (e: Error) => void;
  /** How often due summaries are looked for, ms. @default window / 10, within 100 ms … 30 s */
  tickMs?: number;
}

export interface AlertService {
  /** Evaluates live attempts now (what the `dispatch:attempts` listener does); resolves to the alerts queued. */
  observe(attempts: AttemptInsert[]): Promise<Alert[]>;
  /** Sends the grouped summaries that are due (what the timer does). */
  flushDue(): Promise<Alert[]>;
  stop(): Promise<void>;
}

/** Rows locked per summary sweep; a busy sweep simply continues on the next tick. */
const DUE_BATCH = 100;

/**
 * Runs the alert policy on every batch of live attempts this process commits, with its state
 * in PostgreSQL: each batch's endpoints are evaluated under a row lock, and the new state and
 * the alerts it decided (as outbox rows, one per recipient) commit together, so with any
 * number of gateway processes every alert is decided exactly once. Sending is the outbox's
 * business (outbox.ts), in whichever process has a notifier; delivery never waits for, or
 * hears about, alerts.
 */
export function startAlertService(deps: AlertServiceDeps): AlertService {
  const now = deps.now ?? (() => new Date());
  const report = (e: unknown) => deps.onError?.(coerceError(e));
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  async function inTransaction(work: (client: pg.PoolClient) => Promise<Array<{ row: AlertStateRow; decisions: AlertDecision[] }>>): Promise<Alert[]> {
    const alerts = await withTransaction(deps.pool, async (client) => {
      const evaluated = await work(client);
      const at = now();
      return queueAlerts(client, evaluated.flatMap(({ row, decisions }) => decisions.flatMap((d) => toAlert(row, d, deps.settings, deps.diagnosis, at))));
    });
    for (const alert of alerts) deps.onAlert?.(alert);
    return alerts;
  }

  async function observe(attempts: AttemptInsert[]): Promise<Alert[]> {
    const byEndpoint = new Map<string, ObservedAttempt[]>();
    for (const a of attempts) {
      if (a.test || !a.endpointId) continue;
      const list = byEndpoint.get(a.endpointId) ?? [];
      list.push(a);
      byEndpoint.set(a.endpointId, list);
    }
    const failed = [...byEndpoint].filter(([, list]) => list.some((a) => a.outcome === 'failed')).map(([id]) => id);
    // Healthy path: successes of endpoints the policy never heard of need no transaction.
    const known = failed.length ? [] : await endpointsWithAlertState(deps.pool, [...byEndpoint.keys()]);
    if (!failed.length && !known.length) return [];
    return inTransaction(async (client) => {
      const rows = await lockAlertStates(client, failed, failed.length ? [...byEndpoint.keys()] : known);
      const evaluated = rows.map((row) => {
        const { state, decisions } = evaluate(fromRow(row), byEndpoint.get(row.endpoint_id) ?? [], now(), deps.settings);
        return { row: toRow(row, state), decisions };
      });
      await saveAlertStates(client, evaluated.map((e) => e.row));
      await disableFailingEndpoints(client, failed, deps.disableFailing ?? DEFAULT_FAILING_POLICY);
      return evaluated;
    });
  }

  async function flushDue(): Promise<Alert[]> {
    return inTransaction(async (client) => {
      const rows = await lockDueAlertStates(client, summaryDueBefore(now(), deps.settings), DUE_BATCH);
      const evaluated = rows.map((row) => {
        const { state, decisions } = evaluate(fromRow(row), [], now(), deps.settings);
        return { row: toRow(row, state), decisions };
      });
      await saveAlertStates(client, evaluated.map((e) => e.row));
      return evaluated;
    });
  }

  const off = deps.events.on('dispatch:attempts', ({ attempts }) => {
    track(observe(attempts)).catch(report);
  });
  const tickMs = deps.tickMs ?? Math.min(30_000, Math.max(100, Math.floor(deps.settings.windowMs / 10)));
  const timer = setInterval(() => {
    track(flushDue()).catch(report);
  }, tickMs);
  timer.unref();

  return {
    observe: (attempts) => track(observe(attempts)),
    flushDue: () => track(flushDue()),
    async stop() {
      off();
      clearInterval(timer);
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

function toAlert(row: AlertStateRow, d: AlertDecision, s: AlertSettings, timeouts: DiagnosisSettings, at: Date): AlertDraft[] {
  const base = { accountId: row.account_id, endpointId: row.endpoint_id, webhookId: row.webhook_id, windowMs: s.windowMs, at };
  switch (d.kind) {
    case 'muted':
      return [];
    case 'recovered':
      return [{ ...base, kind: 'recovered', webhookName: d.webhookName, url: d.url, failures: d.failures, lastFailure: null, disabledReason: null }];
    case 'alert':
    case 'group': {
      // A Disabled endpoint's failures (the 410 that disabled it, the ones before an auto-disable
      // summarised later) are told by its Disabled alert, which says why and offers Enable: a
      // failure message after it would take its buttons away in the chat.
      if (row.endpoint_disabled) return [];
      // The same words as the attempt log's diagnosis (which also cannot tell whether a secret is set).
      const diagnosis = diagnose({ httpCode: d.last.httpCode, errorCode: d.last.errorCode, test: false, hasSecret: true }, timeouts);
      return [{ ...base, kind: d.kind === 'alert' ? 'failing' : 'grouped', webhookName: d.last.webhookName, url: d.last.url, failures: d.failures, lastFailure: { ...d.last, diagnosis }, disabledReason: null }];
    }
  }
}
