import { MUTE_HOURS } from './mute.js';
import type { Alert, AlertAction } from './types.js';

/**
 * What an alert offers, decided once here for every door: a failure can be looked at,
 * retried (when a delivery is known) and muted; a disabled endpoint can be enabled; a
 * recovery is resolved and offers nothing.
 */
export function alertActions(a: Pick<Alert, 'kind' | 'endpointId' | 'lastFailure'>): AlertAction[] {
  const details: AlertAction = { kind: 'details', endpointId: a.endpointId };
  switch (a.kind) {
    case 'recovered':
      return [];
    case 'disabled':
      return [details, { kind: 'enable', endpointId: a.endpointId }];
    case 'failing':
    case 'grouped': {
      const retry: AlertAction[] = a.lastFailure?.deliveryId ? [{ kind: 'retry', deliveryId: a.lastFailure.deliveryId }] : [];
      return [details, ...retry, ...MUTE_HOURS.map((hours): AlertAction => ({ kind: 'mute', endpointId: a.endpointId, hours }))];
    }
  }
}
