import { EventEmitter } from 'node:events';
import type { AttemptInsert } from '../db/sql/recordAttempts.js';

/** An attempt as written to the log (ids assigned). */
export type RecordedAttempt = AttemptInsert & { id: string };

/**
 * What the gateway tells observers (alerts, metrics, logs), after the fact. Every listener is
 * wrapped where it subscribes (`on`), so one that throws or rejects is reported to the error
 * sink and never breaks the emitter (a worker, a publish).
 */
export interface GatewayEventMap {
  /** Events stored by one publish call, with the deliveries each queued. */
  'dispatch:published': { events: PublishedEvent[]; startedAt: number; durationMs: number };
  /** One claim statement of a worker: what it took out of `limit`. */
  'dispatch:claimed': { workerId: string; deliveries: ClaimedRef[]; limit: number; startedAt: number; durationMs: number };
  /** Live attempts a worker has just committed (one batch), and how long that write took. */
  'dispatch:attempts': { attempts: AttemptInsert[]; startedAt: number; durationMs: number };
  /** A worker step failed (database down, …); the worker keeps going. */
  'dispatch:error': { error: Error };
  /** A Send test finished and was logged. */
  'test:sent': { attempt: RecordedAttempt; activatedEndpointIds: string[] };
  /** A notifier took an alert (sent: true) or failed to (sent: false). */
  'alert:notified': { kind: string; sent: boolean };
  /** The Telegram bot handled one update (ok: false when the error boundary caught a failure). */
  'bot:update': { kind: string; ok: boolean; durationMs: number };
}

/** Times are epoch milliseconds (`Date.now()`), so observers can place spans after the fact. */
export interface PublishedEvent {
  eventId: string;
  type: string;
  channel: string;
  accountId: string;
  deliveries: number;
}

/** A claimed delivery as observers see it; its webhook-id is `msg_<installation>_<deliveryId>` (webhookIds.ts). */
export interface ClaimedRef {
  deliveryId: string;
  eventId: string;
  endpointId: string;
}

export class GatewayEvents {
  private readonly emitter = new EventEmitter();
  private onListenerError: (e: unknown) => void = () => undefined;

  setErrorSink(sink: (e: unknown) => void): void {
    this.onListenerError = sink;
  }

  on<K extends keyof GatewayEventMap>(name: K, listener: (payload: GatewayEventMap[K]) => void | Promise<void>): () => void {
    const wrapped = (payload: GatewayEventMap[K]) => {
      try {
        const r = listener(payload);
        if (r && typeof r.then === 'function') r.then(undefined, this.onListenerError);
      } catch (e) {
        this.onListenerError(e);
      }
    };
    this.emitter.on(name, wrapped);
    return () => this.emitter.off(name, wrapped);
  }

  emit<K extends keyof GatewayEventMap>(name: K, payload: GatewayEventMap[K]): void {
    this.emitter.emit(name, payload);
  }
}
