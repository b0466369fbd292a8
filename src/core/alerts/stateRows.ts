import type { AlertStateRow } from '../../db/sql/alertStates.js';
import type { EndpointAlertState, FailureInfo } from './types.js';

/** alert_state row ⇄ the evaluator's state. `last_failure` is JSON, so its date travels as text. */
export function fromRow(r: AlertStateRow): EndpointAlertState {
  return {
    failing: r.failing,
    failingSince: r.failing_since,
    lastAlertAt: r.last_alert_at,
    pendingFailures: r.pending_failures,
    totalFailures: r.total_failures,
    lastAttemptAt: r.last_attempt_at,
    lastFailure: r.last_failure ? failureFromJson(r.last_failure) : null,
    mutedUntil: r.muted_until,
  };
}

export function toRow(base: AlertStateRow, s: EndpointAlertState): AlertStateRow {
  return {
    ...base,
    failing: s.failing,
    failing_since: s.failingSince,
    last_alert_at: s.lastAlertAt,
    pending_failures: s.pendingFailures,
    total_failures: s.totalFailures,
    last_attempt_at: s.lastAttemptAt,
    last_failure: s.lastFailure ? { ...s.lastFailure, at: s.lastFailure.at.toISOString() } : null,
  };
}

function failureFromJson(j: Record<string, unknown>): FailureInfo {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    deliveryId: str(j.deliveryId),
    httpCode: typeof j.httpCode === 'number' ? j.httpCode : null,
    errorCode: str(j.errorCode),
    at: new Date(str(j.at) ?? 0),
    webhookName: str(j.webhookName) ?? '',
    url: str(j.url) ?? '',
  };
}
