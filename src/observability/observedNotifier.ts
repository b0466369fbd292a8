import type { Alert, Notifier } from '../core/alerts/types.js';
import type { GatewayEvents } from '../core/observe.js';

/** A notifier that reports every alert it carried or failed to carry (`alert:notified`). */
export function observedNotifier(inner: Notifier, events: GatewayEvents): Notifier {
  return {
    async notify(alert: Alert) {
      try {
        await inner.notify(alert);
        events.emit('alert:notified', { kind: alert.kind, sent: true });
      } catch (e) {
        events.emit('alert:notified', { kind: alert.kind, sent: false });
        throw e;
      }
    },
  };
}
