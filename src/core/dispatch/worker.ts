import { attemptRecord } from './attemptRecord.js';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../../config.js';
import { DELIVERY_CHANNEL, ENDPOINT_CHANNEL } from '../../db/sql/channels.js';
import { claimDeliveries, type ClaimedDelivery } from '../../db/sql/claimDeliveries.js';
import type { Listener } from '../../db/listener.js';
import { pauseEndpoints } from '../../db/sql/pauseEndpoints.js';
import { resumeEndpoints } from '../../db/sql/resumeEndpoints.js';
import { coerceError } from '../errors.js';
import type { GatewayEvents } from '../observe.js';
import type { AttemptErrorCode } from './attemptError.js';
import { EndpointBreakers, type BreakerDecision, type BreakerPolicy } from './breaker.js';
import { buildRequest, storedEventName } from './deliveryRequest.js';
import { createRecorder, type Result } from './recorder.js';
import { nextRetry } from './retryPolicy.js';
import type { PostResult, Sender } from './sender.js';
import { EndpointSlots } from './slots.js';

export interface WorkerDeps {
  pool: pg.Pool;
  listener: Listener;
  sender: Sender;
  settings: Config['delivery'];
  events: GatewayEvents;
  workerId?: string;
  breaker?: BreakerPolicy;
}

export interface Worker {
  readonly id: string;
  stop(): Promise<void>;
}

/** Failures that no retry can fix: the URL itself is refused or malformed. */
const PERMANENT: ReadonlySet<AttemptErrorCode> = new Set(['private_target', 'invalid_url']);

/**
 * One delivery worker. It claims due deliveries in batches (never more than its free
 * slots, never more than an endpoint's free slots), POSTs them concurrently, and records
 * results in batches (recorder.ts). A claim starts when new work is announced (NOTIFY from
 * publishers), when the last claim was cut short by slots and enough of them have freed up
 * since, and otherwise on the poll, which also picks up retries and deliveries whose lease
 * ended. An endpoint that keeps failing is paused and probed (breaker.ts).
 */
export function startWorker(deps: WorkerDeps): Worker {
  const s = deps.settings;
  const id = deps.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const slots = new EndpointSlots(s.endpointConcurrency);
  const breakers = new EndpointBreakers(s.timeoutMs + s.leaseMarginMs, deps.breaker);
  const inflightSends = new Set<Promise<void>>();
  // One claim at a time. Two overlapping claims (each topping up what the other left) kept
  // more POSTs in flight but cost more database time per delivery than they saved: on a
  // machine whose CPU is the limit, fewer and fuller claims deliver more.
  let claiming: Promise<void> | null = null;
  const reportError = (e: unknown) => deps.events.safeEmit('dispatch:error', { error: coerceError(e) });
  const recorder = createRecorder({ pool: deps.pool, workerId: id, events: deps.events, onError: reportError });
  let stopping = false;
  // Work may be waiting: announced, found by the poll, or the last claim was full.
  let pending = true;
  // The last claim was cut short by slots: freed slots should trigger the next claim.
  let slotBound = false;
  // Slots freed since the last claim started; a claim waits for a few rather than one.
  let freed = 0;
  let wakeAfter = 1;
  let backoffMs = 0;
  let blockedUntil = 0;
  let pollTimer: NodeJS.Timeout | null = null;

  const announce = () => {
    pending = true;
    pump();
  };
  const unlistenDeliveries = deps.listener.on(DELIVERY_CHANNEL, (_channel, payload) => {
    if (payload) slots.hint(payload.split(','), performance.now());
    announce();
  });
  // An endpoint that becomes Active again may have deliveries waiting for it.
  const unlistenEndpoints = deps.listener.on(ENDPOINT_CHANNEL, announce);

  /** The poll, or an open breaker's next probe if that comes first. */
  function armPoll(): void {
    if (pollTimer) clearTimeout(pollTimer);
    if (stopping) return;
    const ms = Math.min(s.pollMs, breakers.nextProbeIn(performance.now()), Math.max(0, blockedUntil - performance.now()) || Infinity);
    pollTimer = setTimeout(announce, Math.max(1, ms));
  }

  /** Starts a claim when there is reason to and room for it. */
  function pump(): void {
    if (stopping || claiming || performance.now() < blockedUntil) return;
    const free = s.concurrency - slots.inflight;
    if (free <= 0 || !(pending || (slotBound && freed >= wakeAfter))) return;
    claim(Math.min(s.batchSize, free));
  }

  function claim(limit: number): void {
    pending = false;
    freed = 0;
    const offer = slots.offer(breakers);
    const probes = breakers.probes(performance.now());
    const startedAt = Date.now();
    const t0 = performance.now();
    const p = claimDeliveries(deps.pool, {
      workerId: id,
      limit,
      leaseMs: s.timeoutMs + s.leaseMarginMs,
      perEndpoint: offer.others,
      busyEndpoints: offer.ids,
      busyFree: offer.free,
      knownEndpoints: slots.known(offer),
      probeEndpoints: probes,
    }).then(
      (rows) => {
        backoffMs = 0;
        deps.events.safeEmit('dispatch:claimed', {
          workerId: id,
          deliveries: rows.map((r) => ({ deliveryId: r.id, eventId: r.eventId, endpointId: r.endpointId })),
          limit,
          startedAt,
          durationMs: performance.now() - t0,
        });
        const bound = slots.settle(offer, rows, performance.now());
        for (const endpointId of probes) {
          const probe = rows.find((row) => row.endpointId === endpointId);
          if (probe) breakers.probing(endpointId, probe.id);
          else breakers.probeMissed(endpointId, performance.now());
        }
        for (const row of rows) start(row);
        slotBound = bound || rows.length >= limit;
        // A full claim leaves work behind: claim again as soon as there is room.
        if (rows.length >= limit) pending = true;
        // Claim again once half of what is in flight has come back (at least one slot): a
        // claim costs the database about as much as a dozen of its rows, so it should be
        // worth it; not all of it, as a few slow POSTs would then hold every endpoint up.
        wakeAfter = Math.max(1, Math.floor(slots.inflight / 2));
      },
      (e: unknown) => {
        reportError(e);
        backoffMs = Math.min(Math.max(50, backoffMs * 2), 5_000);
        blockedUntil = performance.now() + backoffMs;
        pending = true;
      },
    );
    claiming = p.finally(() => {
      claiming = null;
      armPoll();
      pump();
    });
    armPoll();
  }

  function start(row: ClaimedDelivery): void {
    const p = send(row)
      .then((r) => {
        const decision = breakers.record(row.endpointId, row.id, r.attempt.outcome === 'success', performance.now());
        if (decision) act(row.endpointId, decision);
        recorder.add(r);
      }, reportError)
      .finally(() => {
        slots.release(row.endpointId);
        inflightSends.delete(p);
        freed++;
        if (slotBound && freed >= wakeAfter) pump();
      });
    inflightSends.add(p);
  }

  /**
   * Shares the breaker's decision with every worker. Until a park is written, this worker's
   * breaker already holds the endpoint back; a lost resume only delays the endpoint until
   * its park ends.
   */
  function act(endpointId: string, d: BreakerDecision): void {
    const done = d.kind === 'park' ? pauseEndpoints(deps.pool, [{ endpointId, ms: d.ms }]) : resumeEndpoints(deps.pool, [endpointId]);
    done.then(() => d.kind === 'resume' && announce(), reportError);
    armPoll();
  }

  async function send(row: ClaimedDelivery): Promise<Result> {
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

  function toOutcome(row: ClaimedDelivery, r: PostResult): Result['outcome'] {
    const base = { id: row.id, attempt: row.attempt, httpCode: r.httpCode, errorCode: r.errorCode };
    if (r.ok) return { ...base, status: 'succeeded', runAt: null };
    const retry = r.errorCode && PERMANENT.has(r.errorCode) ? ({ retry: false } as const) : nextRetry({ scheduleMs: s.retryScheduleMs, jitter: s.retryJitter }, row.attempt);
    return retry.retry
      ? { ...base, status: 'pending', runAt: new Date(Date.now() + retry.delayMs) }
      : { ...base, status: 'failed', runAt: null };
  }

  pump();
  armPoll();

  return {
    id,
    async stop() {
      stopping = true;
      if (pollTimer) clearTimeout(pollTimer);
      unlistenDeliveries();
      unlistenEndpoints();
      while (claiming) await claiming.catch(() => undefined);
      if (pollTimer) clearTimeout(pollTimer);
      await Promise.allSettled([...inflightSends]);
      await recorder.stop();
    },
  };
}

function toAttempt(row: ClaimedDelivery, eventName: string, r: PostResult): Result['attempt'] {
  return attemptRecord(
    {
      accountId: row.accountId,
      deliveryId: row.id,
      endpointId: row.endpointId,
      webhookName: row.endpointName,
      deviceId: row.deviceId,
      channel: row.channel,
      eventName,
      url: row.url,
      test: false,
      attemptNumber: row.attempt,
    },
    r,
  );
}
