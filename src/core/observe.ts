import { EventEmitter } from 'node:events';
import type { AttemptInsert } from '../db/sql/recordAttempts.js';

/** An attempt as written to the log (ids assigned). */
export type RecordedAttempt = AttemptInsert & { id: string };

/**
 * What the gateway tells observers (alerts, metrics, logs). Emitted after the fact and
 * through `safeEmit`, so a throwing listener can never break delivery.
 */
export interface GatewayEventMap {
  /** Live attempts a worker has just committed (one batch). */
  'dispatch:attempts': { attempts: AttemptInsert[] };
  /** A worker step failed (database down, …); the worker keeps going. */
  'dispatch:error': { error: Error };
  /** A Send test finished and was logged. */
  'test:sent': { attempt: RecordedAttempt; activatedEndpointIds: string[] };
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

  safeEmit<K extends keyof GatewayEventMap>(name: K, payload: GatewayEventMap[K]): void {
    this.emitter.emit(name, payload);
  }
}
