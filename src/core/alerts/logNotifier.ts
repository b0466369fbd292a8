import type { Logger } from '../../log.js';
import type { Alert, Notifier } from './types.js';

/** Without a bot, alerts still reach the process log (and alert state is kept all the same). */
export function logNotifier(log: Pick<Logger, 'warn' | 'info'>): Notifier {
  return {
    async notify(a: Alert) {
      const fields = { alert: a.kind, endpointId: a.endpointId, webhook: a.webhookName, failures: a.failures, httpCode: a.lastFailure?.httpCode, errorCode: a.lastFailure?.errorCode };
      if (a.kind === 'recovered') log.info(fields, 'endpoint recovered');
      else if (a.kind === 'disabled') log.warn({ ...fields, reason: a.disabledReason }, 'endpoint disabled');
      else log.warn(fields, a.kind === 'failing' ? 'endpoint failing' : 'endpoint still failing');
    },
  };
}
