import { MUTE_HOURS } from './mute.js';
import type { Alert, AlertAction } from './types.js';

/**
 * Where an alert sits in a recipient's thread of one endpoint's episode (what a Telegram chat
 * shows as replies, what a notifier may resolve in place):
 * - `opens`: starts the thread (one left open by an earlier episode is closed first);
 * - `joins`: replies under the thread's first alert; only the newest message offers actions;
 * - `resolves`: the thread's messages read Resolved, without actions, and the thread ends.
 */
export type ThreadRole = 'opens' | 'joins' | 'resolves';

/** What defines a kind of alert, once, for every notifier and door. */
export interface AlertKindSpec {
  thread: ThreadRole;
  /** What the alert offers, in the order a door shows them (each one core operation). */
  actions: (a: Pick<Alert, 'endpointId' | 'lastFailure'>) => AlertAction[];
}

const details = (a: Pick<Alert, 'endpointId'>): AlertAction => ({ kind: 'details', endpointId: a.endpointId });

/** A failure can be looked at, retried (when a delivery is known) and muted. */
const failureActions: AlertKindSpec['actions'] = (a) => [
  details(a),
  ...(a.lastFailure?.deliveryId ? [{ kind: 'retry', deliveryId: a.lastFailure.deliveryId } as const] : []),
  ...MUTE_HOURS.map((hours): AlertAction => ({ kind: 'mute', endpointId: a.endpointId, hours })),
];

/**
 * The kinds of alert, each defined here and nowhere else. failing: an endpoint started
 * failing; grouped: N more failures in the last window; recovered: delivering again (it
 * resolves the episode); disabled: the endpoint receives no events until someone enables it
 * (the Disabled status, with its reason). Adding a kind: an entry here, and its headline in
 * each notifier that words alerts (src/bot/render/alert.ts: the compiler asks for it); queue
 * it with `queueAlerts` inside the transaction that decides it.
 */
export const ALERT_KIND_SPECS = {
  failing: { thread: 'opens', actions: failureActions },
  grouped: { thread: 'joins', actions: failureActions },
  recovered: { thread: 'resolves', actions: () => [] },
  disabled: { thread: 'joins', actions: (a) => [details(a), { kind: 'enable', endpointId: a.endpointId }] },
} as const satisfies Record<string, AlertKindSpec>;

export type AlertKind = keyof typeof ALERT_KIND_SPECS;
export const ALERT_KINDS = Object.keys(ALERT_KIND_SPECS) as [AlertKind, ...AlertKind[]];

/** The alert's actions, decided once here for every door. */
export const alertActions = (a: Pick<Alert, 'kind' | 'endpointId' | 'lastFailure'>): AlertAction[] => ALERT_KIND_SPECS[a.kind].actions(a);

export const threadRole = (kind: AlertKind): ThreadRole => ALERT_KIND_SPECS[kind].thread;
