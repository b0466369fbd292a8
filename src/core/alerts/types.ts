import type { DisabledReason } from '../terms.js';
import type { Diagnosis } from '../diagnose/diagnose.js';
import type { AlertKind } from './kinds.js';

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

/**
 * What a person can do about an alert, each one core operation any door can offer:
 * details → logs.list (the newest failed attempt) · retry → dispatch.redeliver(deliveryId) ·
 * mute → alerts.mute(endpointId, hours) · enable → the endpoint's Enable (issue 12).
 */
export type AlertAction =
  | { kind: 'details'; endpointId: string }
  | { kind: 'retry'; deliveryId: string }
  | { kind: 'mute'; endpointId: string; hours: number }
  | { kind: 'enable'; endpointId: string };

/** A message for the account's admins, as data: each notifier renders it its own way. */
export interface Alert {
  /** One per decided alert, shared by its recipients; the alert webhook's `webhook-id` is `alert_<installation>_<id>`. */
  id: string;
  kind: AlertKind;
  accountId: string;
  endpointId: string;
  webhookId: string;
  webhookName: string;
  url: string;
  /** failing: failures that opened the alert; grouped: failures since the last message; recovered: failures of the whole episode. */
  failures: number;
  windowMs: number;
  /** The newest failure with its diagnosis; null for a recovery. */
  lastFailure: (FailureInfo & { diagnosis: Diagnosis | null }) | null;
  /** Why a `disabled` alert's endpoint was disabled; null for the other kinds. */
  disabledReason: DisabledReason | null;
  at: Date;
  /** Computed in core (alerts/kinds.ts), in the order a door shows them. */
  actions: AlertAction[];
}

/**
 * The kinds of recipient, each carried by the notifier of that kind. `chat`: an admin chat
 * (address: its Telegram chat id); `webhook`: the account's alert webhook (address: the
 * account id; its URL and key are read when sending, so a change or removal applies to
 * alerts already queued). Adding one: a name here, its recipients in `enqueueAlerts`
 * (db/sql/alertOutbox.ts), a notifier, its wiring in runtime.ts.
 */
export const RECIPIENT_KINDS = { chat: 'chat', webhook: 'webhook' } as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[keyof typeof RECIPIENT_KINDS];

/** Who gets an alert. */
export interface Recipient {
  kind: RecipientKind;
  address: string;
}

/**
 * What an earlier send of the same episode to the same recipient left behind (a Telegram
 * message id), with the alert it carried: lets a notifier resolve its alerts in place.
 */
export interface ThreadEntry {
  ref: string;
  alert: Alert;
}

/** Carries alerts of one recipient kind to people or machines. */
export interface Notifier {
  readonly kind: RecipientKind;
  /**
   * Sends one alert to one recipient, within ALERT_SEND_TIMEOUT_MS. `thread` holds the entries
   * of this episode for the recipient, oldest (the firing alert) first. Returns a reference
   * to keep in the thread, or null. Throws to be retried later; throws `Undeliverable` when
   * retrying cannot help (the chat is gone, no alert webhook is set any more).
   */
  send(alert: Alert, recipient: Recipient, thread: readonly ThreadEntry[]): Promise<string | null>;
}

/** A send that retrying cannot fix: the alert is dropped for that recipient (and logged). */
export class Undeliverable extends Error {
  override readonly name = 'Undeliverable';
}

/** Each send of one alert to one recipient, ms; the outbox lease is longer, so a send never outlives its claim. */
export const ALERT_SEND_TIMEOUT_MS = 15_000;
