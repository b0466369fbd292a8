import type { Notifier } from '../core/alerts/types.js';
import type { GatewayEvents } from '../core/observe.js';

/** A notifier that reports every alert it carried or failed to carry (`alert:notified`). */
export function observedNotifier(inner: Notifier, events: GatewayEvents): Notifier {
  return {
    kind: inner.kind,
    async send(alert, recipient, thread) {
      try {
        const ref = await inner.send(alert, recipient, thread);
        events.emit('alert:notified', { kind: alert.kind, sent: true });
        return ref;
      } catch (e) {
        events.emit('alert:notified', { kind: alert.kind, sent: false });
        throw e;
      }
    },
  };
}
