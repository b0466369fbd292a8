import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../../config.js';
import { DELIVERY_CHANNEL, ENDPOINT_CHANNEL } from '../../db/sql/channels.js';
import { claimDeliveries, type ClaimedDelivery } from '../../db/sql/claimDeliveries.js';
import type { Listener } from '../../db/listener.js';
import { recordAttempts, type AttemptInsert, type DeliveryOutcome } from '../../db/sql/recordAttempts.js';
import { coerceError } from '../errors.js';
import type { GatewayEvents } from '../observe.js';
import { buildRequest, storedEventName } from './deliveryRequest.js';
import { nextRetry } from './retryPolicy.js';
import type { PostResult, Sender } from './sender.js';
import { Wakeup } from './wakeups.js';
import type { AttemptErrorCode } from './attemptError.js';

export interface WorkerDeps {
  pool: pg.Pool;
  listener: Listener;
  sender: Sender;
  settings: Config['delivery'];
  events: GatewayEvents;
  workerId?: string;
}

export interface Worker {
  readonly id: string;
  stop(): Promise<void>;
}

/** Failures that no retry can fix: the URL itself is refused or malformed. */
const PERMANENT: ReadonlySet<AttemptErrorCode> = new Set(['private_target', 'invalid_url']);

/** Most results one completion statement records. */
const RECORD_BATCH = 500;

/**
 * One delivery worker. It claims due deliveries in batches (never more than its free
 * slots, never more than an endpoint's free slots), POSTs them concurrently, and records
 * results in batches: whatever finished while the previous batch was being written goes
 * out in the next statement. It wakes on NOTIFY from publishers and otherwise polls, which
 * also picks up retries and deliveries whose lease ended.
 */
export function startWorker(deps: WorkerDeps): Worker {
  const s = deps.settings;
  const id = deps.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const wakeup = new Wakeup();
  const perEndpoint = new Map<string, number>();
  const inflightSends = new Set<Promise<void>>();
  const results: Array<{ attempt: AttemptInsert; outcome: DeliveryOutcome }> = [];
  let stopping = false;
  let inflight = 0;
  // True when the last claim was cut short by our own slots: a freed slot should claim again.
  let slotBound = false;
  let flushing: Promise<void> | null = null;

  const unlistenDeliveries = deps.listener.on(DELIVERY_CHANNEL, () => wakeup.wake());
  // An endpoint that becomes Active again may have deliveries waiting for it.
  const unlistenEndpoints = deps.listener.on(ENDPOINT_CHANNEL, () => wakeup.wake());
  const reportError = (e: unknown) => deps.events.safeEmit('dispatch:error', { error: coerceError(e) });

  async function loop(): Promise<void> {
    let backoffMs = 50;
    while (!stopping) {
      const free = s.concurrency - inflight;
      if (free <= 0) {
        slotBound = true;
        await wakeup.wait(s.pollMs);
        continue;
      }
      const limit = Math.min(s.batchSize, free);
      let claimed: ClaimedDelivery[];
      try {
        const busy = [...perEndpoint].filter(([, n]) => n > 0);
        claimed = await claimDeliveries(deps.pool, {
          workerId: id,
          limit,
          leaseMs: s.timeoutMs + s.leaseMarginMs,
          perEndpoint: s.endpointConcurrency,
          busyEndpoints: busy.map(([e]) => e),
          busyFree: busy.map(([, n]) => Math.max(0, s.endpointConcurrency - n)),
        });
        backoffMs = 50;
      } catch (e) {
        reportError(e);
        await wakeup.wait(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
        continue;
      }
      for (const row of claimed) start(row);
      slotBound = claimed.length === limit && limit === free;
      if (claimed.length === limit) continue;
      await wakeup.wait(s.pollMs);
    }
  }

  function start(row: ClaimedDelivery): void {
    inflight++;
    perEndpoint.set(row.endpointId, (perEndpoint.get(row.endpointId) ?? 0) + 1);
    const p = send(row)
      .then((r) => {
        results.push(r);
        flush();
      }, reportError)
      .finally(() => {
        inflight--;
        const n = (perEndpoint.get(row.endpointId) ?? 1) - 1;
        if (n > 0) perEndpoint.set(row.endpointId, n);
        else perEndpoint.delete(row.endpointId);
        inflightSends.delete(p);
        if (slotBound) wakeup.wake();
      });
    inflightSends.add(p);
  }

  async function send(row: ClaimedDelivery): Promise<{ attempt: AttemptInsert; outcome: DeliveryOutcome }> {
    const eventName = storedEventName(row.endpointEvents, row.eventType);
    const { body, headers } = buildRequest({
      payloadJson: row.payloadJson,
      eventName,
      deviceToken: row.deviceToken,
      secret: row.secret,
      signingKey: row.signingKey,
      messageId: `msg_${row.id}`,
      sentAt: new Date(),
      test: false,
    });
    const r = await deps.sender.post({ url: row.url, body, headers, timeoutMs: s.timeoutMs });
    return { attempt: toAttempt(row, eventName, r), outcome: toOutcome(row, r) };
  }

  function toOutcome(row: ClaimedDelivery, r: PostResult): DeliveryOutcome {
    const base = { id: row.id, attempt: row.attempt, httpCode: r.httpCode, errorCode: r.errorCode };
    if (r.ok) return { ...base, status: 'succeeded', runAt: null };
    const retry = r.errorCode && PERMANENT.has(r.errorCode) ? ({ retry: false } as const) : nextRetry({ scheduleMs: s.retryScheduleMs, jitter: s.retryJitter }, row.attempt);
    return retry.retry
      ? { ...base, status: 'pending', runAt: new Date(Date.now() + retry.delayMs) }
      : { ...base, status: 'failed', runAt: null };
  }

  function flush(): void {
    if (flushing) return;
    flushing = (async () => {
      let backoffMs = 100;
      while (results.length) {
        const batch = results.splice(0, RECORD_BATCH);
        try {
          await recordAttempts(deps.pool, id, batch.map((b) => b.attempt), batch.map((b) => b.outcome));
          deps.events.safeEmit('dispatch:attempts', { attempts: batch.map((b) => b.attempt) });
          backoffMs = 100;
        } catch (e) {
          reportError(e);
          // While stopping, give up: the leases end and the deliveries are sent again
          // (at-least-once, same webhook-id). Otherwise keep the results and try again; a
          // late write still logs a POST that really happened, and the lease guard keeps a
          // delivery another worker took over from being overwritten.
          if (stopping) continue;
          results.unshift(...batch);
          await new Promise((r) => setTimeout(r, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 5_000);
        }
      }
    })().finally(() => {
      flushing = null;
      if (results.length) flush();
    });
  }

  const running = loop();

  return {
    id,
    async stop() {
      stopping = true;
      wakeup.wake();
      await running;
      await Promise.allSettled([...inflightSends]);
      while (flushing) await flushing;
      unlistenDeliveries();
      unlistenEndpoints();
    },
  };
}

function toAttempt(row: ClaimedDelivery, eventName: string, r: PostResult): AttemptInsert {
  return {
    accountId: row.accountId,
    deliveryId: row.id,
    endpointId: row.endpointId,
    webhookName: row.endpointName,
    deviceId: row.deviceId,
    channel: row.channel,
    eventName,
    url: row.url,
    test: false,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    httpCode: r.httpCode,
    outcome: r.ok ? 'success' : 'failed',
    errorCode: r.errorCode,
    errorText: r.errorText,
    responseBody: r.responseBody,
    attemptNumber: row.attempt,
  };
}
