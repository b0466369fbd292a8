import type { Listener } from '../../db/listener.js';
import { ENDPOINT_CHANNEL } from '../../db/sql/channels.js';
import type { EndpointStatusChange } from '../../db/sql/endpointStatus.js';
import { coerceError } from '../errors.js';
import type { DisabledReason, EndpointStatus } from '../terms.js';

export interface EndpointStatusEvent {
  endpointId: string;
  webhookId: string;
  status: EndpointStatus | 'deleted';
  /** Status disabled: why and since when; null otherwise. */
  disabledReason: DisabledReason | null;
  disabledAt: Date | null;
}

export interface EndpointStatusFeed {
  subscribe(accountId: string, on: (e: EndpointStatusEvent) => void): () => void;
  /** Subscriptions open in this process (of one account, when given). */
  subscribers(accountId?: string): number;
  close(): void;
}

/** Endpoint status changes of an account (Pending test, Active, Disabled, deleted), from any process. */
export function createEndpointStatusFeed(listener: Listener, onError?: (e: Error) => void): EndpointStatusFeed {
  const subs = new Map<string, Set<(e: EndpointStatusEvent) => void>>();
  const off = listener.on(ENDPOINT_CHANNEL, (_c, payload) => {
    let change: EndpointStatusChange;
    try {
      change = JSON.parse(payload) as EndpointStatusChange;
    } catch (e) {
      onError?.(coerceError(e));
      return;
    }
    for (const on of subs.get(change.accountId) ?? []) {
      try {
        on({
          endpointId: change.endpointId,
          webhookId: change.webhookId,
          status: change.status as EndpointStatusEvent['status'],
          disabledReason: (change.disabledReason ?? null) as DisabledReason | null,
          disabledAt: change.disabledAt ? new Date(change.disabledAt) : null,
        });
      } catch (e) {
        onError?.(coerceError(e));
      }
    }
  });
  return {
    subscribe(accountId, on) {
      let set = subs.get(accountId);
      if (!set) subs.set(accountId, (set = new Set()));
      set.add(on);
      return () => {
        set.delete(on);
        if (!set.size) subs.delete(accountId);
      };
    },
    subscribers: (accountId) => (accountId ? (subs.get(accountId)?.size ?? 0) : [...subs.values()].reduce((n, set) => n + set.size, 0)),
    close() {
      off();
      subs.clear();
    },
  };
}
