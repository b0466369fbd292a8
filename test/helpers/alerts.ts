import { randomUUID } from 'node:crypto';
import { alertActions } from '../../src/core/alerts/kinds.js';
import type { Alert } from '../../src/core/alerts/types.js';

let nextId = 900_000;

/**
 * An alert as core builds it (id, actions computed by core), for notifier and renderer tests
 * that do not need a failing endpoint behind it.
 */
export function constructedAlert(over: Partial<Omit<Alert, 'actions'>> = {}): Alert {
  const base: Omit<Alert, 'actions'> = {
    id: String(nextId++),
    kind: 'failing',
    accountId: randomUUID(),
    endpointId: randomUUID(),
    webhookId: randomUUID(),
    webhookName: 'CRM',
    url: 'https://crm.example.com/hook',
    failures: 1,
    windowMs: 600_000,
    lastFailure: null,
    disabledReason: null,
    at: new Date(),
    ...over,
  };
  return { ...base, actions: alertActions(base) };
}
