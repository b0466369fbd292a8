import type { DisabledReason } from '../terms.js';
import type { Diagnosis } from '../diagnose/diagnose.js';

/** The alert policy's settings (ALERT_WINDOW, ALERT_THRESHOLD). */
export interface AlertSettings {
  /** At most one failure message per endpoint per window; later failures are grouped. ms. @default 600_000 */
  windowMs: number;
  /** Failures in a row that open an alert. @default 1 (the first failure alerts at once) */
  threshold: number;
}

/** The failure an alert talks about: the newest one seen. */
export interface FailureInfo {
  deliveryId: string | null;
  httpCode: number | null;
  errorCode: string | null;
  at: Date;
  webhookName: string;
  url: string;
}

/** What the policy remembers of one endpoint between batches (one alert_state row). */
export interface EndpointAlertState {
  failing: boolean;
  failingSince: Date | null;
  lastAlertAt: Date | null;
  pendingFailures: number;
  totalFailures: number;
  lastAttemptAt: Date | null;
  lastFailure: FailureInfo | null;
  mutedUntil: Date | null;
}

export const EMPTY_STATE: EndpointAlertState = {
  failing: false,
  failingSince: null,
  lastAlertAt: null,
  pendingFailures: 0,
  totalFailures: 0,
  lastAttemptAt: null,
  lastFailure: null,
  mutedUntil: null,
};

/** The part of a live attempt the policy looks at. */
export interface ObservedAttempt {
  outcome: 'success' | 'failed';
  startedAt: Date;
  deliveryId: string | null;
  httpCode: number | null;
  errorCode: string | null;
  webhookName: string;
  url: string;
}

/** What the evaluator decided; only `muted` sends nothing. */
export type AlertDecision =
  | { kind: 'alert'; failures: number; last: FailureInfo }
  | { kind: 'group'; failures: number; windowMs: number; last: FailureInfo }
  | { kind: 'recovered'; failures: number; since: Date | null; webhookName: string; url: string }
  | { kind: 'muted'; suppressed: 'alert' | 'group' | 'recovered'; until: Date };

/** A message for the account's admins, whatever carries it. */
export interface Alert {
  /**
   * failing: an endpoint started failing; grouped: N more failures in the last window;
   * recovered: delivering again; disabled: it gets no events until someone enables it.
   */
  kind: 'failing' | 'grouped' | 'recovered' | 'disabled';
  accountId: string;
  endpointId: string;
  webhookName: string;
  url: string;
  /** failing: failures that opened the alert; grouped: failures since the last message; recovered: failures of the whole episode. */
  failures: number;
  windowMs: number;
  /** The newest failure with its diagnosis; null for a recovery. */
  lastFailure: (FailureInfo & { diagnosis: Diagnosis | null }) | null;
  at: Date;
  /** Kind disabled: why (gone, failing, manual). */
  disabledReason?: DisabledReason;
}

/** Anything that can carry an alert to people (the Telegram bot is one). */
export interface Notifier {
  notify(alert: Alert): Promise<void>;
}
