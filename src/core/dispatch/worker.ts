import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../../config.js';
import type { Listener } from '../../db/listener.js';
import { announceWakes } from '../../db/sql/announceWakes.js';
import { DELIVERY_CHANNEL, ENDPOINT_CHANNEL } from '../../db/sql/channels.js';
import { claimDeliveries, type ClaimedDelivery } from '../../db/sql/claimDeliveries.js';
import { pauseEndpoints } from '../../db/sql/pauseEndpoints.js';
import { releaseLeases } from '../../db/sql/releaseLeases.js';
import { resumeEndpoints } from '../../db/sql/resumeEndpoints.js';
import { coerceError } from '../errors.js';
import { disableGoneEndpoint } from '../registry/endpointStatus.js';
import type { GatewayEvents } from '../observe.js';
import type { AttemptErrorCode } from './attemptError.js';
import { attemptRecord } from './attemptRecord.js';
import { EndpointBreakers, type BreakerDecision, type BreakerPolicy } from './breaker.js';
import { ClaimScheduler } from './claimScheduler.js';
import { buildRequest, storedEventName } from './deliveryRequest.js';
import { EndpointHolds } from './holds.js';
import { createRecorder, type Result } from './recorder.js';
import { handedWakes, handoverPayload } from './rateWakeHandover.js';
import { nextRetry } from './retryPolicy.js';
import type { PostResult, Sender } from './sender.js';
import { EndpointSlots } from './slots.js';
import { withoutEcho } from '../security/secrets.js';
import { openHeaders, SEALED, type Vault } from '../security/vault.js';
import type { WebhookIds } from '../webhookIds.js';

export interface WorkerDeps {
  pool: pg.Pool;
  listener: Listener;
  sender: Sender;
  settings: Config['delivery'];
  events: GatewayEvents;
  /** Opens the endpoint's sealed secret and signing key (cached per stored value). */
  vault: Vault;
  webhookIds: WebhookIds;
  workerId?: string;
  breaker?: BreakerPolicy;
}

export interface Worker {
  readonly id: string;
  /**
   * Stops claiming at once, lets POSTs in flight finish for up to `graceMs`, cuts off the
   * rest (recorded as `interrupted`, due again now), records every result, and hands back any
   * lease still held, waking the other workers. @default graceMs 10_000
   */
  stop(graceMs?: number): Promise<void>;
}

/** 410 Gone: the receiver says the endpoint no longer exists; it is disabled at once. */
const GONE = 410;
/** A Gone delivery whose endpoint could not be disabled waits this long before it is sent again. */
const GONE_RETRY_MS = 60_000;

/** Failures that no retry can fix: the URL itself is refused or malformed. */
const PERMANENT: ReadonlySet<AttemptErrorCode> = new Set(['private_target', 'invalid_url']);

/**
 * One delivery worker. It claims due deliveries in batches (never more than its free slots,
 * never more than an endpoint's free slots; when, see claimScheduler.ts), POSTs them
 * concurrently, and records results in batches (recorder.ts). An endpoint that keeps failing is
 * paused and probed (breaker.ts); one that answers 429 or 503 with Retry-After is held until
 * then (its lane paused for every worker, holds.ts here).
 *
 * Invariant: every claimed delivery ends in a recorded outcome. Whatever fails on the way
 * (building or signing the request, sending, classifying) becomes a failed attempt with its
 * own error code, retried on the schedule like any other; only a stop that cannot write to
 * the database leaves a lease to expire (the delivery is then sent again, same webhook-id).
 */
export function startWorker(deps: WorkerDeps): Worker {
  const s = deps.settings;
  const id = deps.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  const slots = new EndpointSlots(s.endpointConcurrency);
  const breakers = new EndpointBreakers(s.timeoutMs + s.leaseMarginMs, deps.breaker);
  const holds = new EndpointHolds();
  /** The breaker, and Retry-After holds on top of it. */
  const gate = {
    slots: (endpointId: string, n: number) => (holds.held(endpointId, performance.now()) ? 0 : breakers.slots(endpointId, n)),
    tracked: () => new Set([...breakers.tracked(), ...holds.tracked(performance.now())]),
  };
  const scheduler = new ClaimScheduler();
  const inflightSends = new Set<Promise<void>>();
  let claiming: Promise<void> | null = null;
  const reportError = (e: unknown) => deps.events.emit('dispatch:error', { error: coerceError(e) });
  const recorder = createRecorder({ pool: deps.pool, workerId: id, events: deps.events, onError: reportError });
  let pollTimer: NodeJS.Timeout | null = null;
  /**
   * When each rate-limited lane this worker served may give its next burst (performance.now()
   * ms). One per lane: with one time for all, a lane whose burst came later than another's
   * lost its wake to the earlier one's, and waited for the poll once the other ran dry.
   */
  const rateWakes = new Map<string, number>();
  /** Endpoints of deliveries cut off by a stop: woken for the other workers once recorded. */
  const interruptedEndpoints = new Set<string>();

  const announce = () => {
    scheduler.announce();
    pump();
  };
  const unlisten = [
    deps.listener.on(DELIVERY_CHANNEL, (_channel, payload) => {
      const handed = handedWakes(payload);
      if (!handed.length) return announce();
      // A stopping worker's lanes: not due yet, so nothing to claim now; armed like our own.
      const now = performance.now();
      // The later time wins: a lane's pause only grows, and an older wake of ours already past
      // would be dropped by the next claim while the lane is still paused.
      for (const [endpointId, ms] of handed) rateWakes.set(endpointId, Math.max(rateWakes.get(endpointId) ?? 0, now + Math.max(1, ms)));
      if (!claiming) armPoll();
    }),
    // An endpoint that becomes Active again may have deliveries waiting for it.
    deps.listener.on(ENDPOINT_CHANNEL, announce),
    // Announcements made while the listener was away are lost: look for work at once.
    deps.listener.onReconnect(announce),
  ];

  /**
   * The poll, or an open breaker's next probe, the end of a hold or a rate-limited lane's next
   * burst, whichever comes first; during a backoff, its end (nothing is claimed before).
   * `dueArmNothing`: what is already due arms nothing (the timer just fired for it and no claim
   * could start; the freed slot that lets one start claims).
   */
  function armPoll(dueArmNothing = false): void {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    if (scheduler.state.kind === 'draining') return;
    const now = performance.now();
    const wakes = [breakers.nextProbeIn(now), holds.nextEndIn(now), ...[...rateWakes.values()].map((at) => at - now)];
    const backoff = scheduler.backoffLeft(now);
    const ms = backoff > 0 ? backoff : Math.min(s.pollMs, ...wakes.filter((w) => !dueArmNothing || w > 0));
    pollTimer = setTimeout(() => {
      pollTimer = null;
      announce();
      // No claim started (a backoff, no free slot): the next wake must still be armed, or the
      // worker would sleep until someone announces work.
      if (!claiming) armPoll(true);
    }, Math.max(1, ms));
  }

  function pump(): void {
    const limit = scheduler.claimSize(performance.now(), s.concurrency - slots.inflight, s.batchSize);
    if (limit > 0) claim(limit);
  }

  function claim(limit: number): void {
    scheduler.claimStarted();
    const offer = slots.offer(gate);
    const now = performance.now();
    const probes = breakers.probes(now).filter((endpointId) => !holds.held(endpointId, now));
    const startedAt = Date.now();
    const t0 = performance.now();
    claiming = claimDeliveries(deps.pool, {
      workerId: id,
      limit,
      leaseMs: s.timeoutMs + s.leaseMarginMs,
      perEndpoint: offer.others,
      busyEndpoints: offer.ids,
      busyFree: offer.free,
      probeEndpoints: probes,
    })
      .then(
        (rows) => {
          deps.events.emit('dispatch:claimed', {
            workerId: id,
            deliveries: rows.map((r) => ({ deliveryId: r.id, eventId: r.eventId, endpointId: r.endpointId })),
            limit,
            startedAt,
            durationMs: performance.now() - t0,
          });
          const cutBySlots = slots.settle(offer, rows);
          for (const endpointId of probes) {
            const probe = rows.find((row) => row.endpointId === endpointId);
            if (probe) breakers.probing(endpointId, probe.id);
            else breakers.probeMissed(endpointId, performance.now());
          }
          // A lane whose wake had come when this claim started (now) was looked at by it: it took a
          // burst (its new wake follows) or had nothing left. A wake that comes later stays,
          // even if its timer fired while this claim ran. Measured (50/s, a backlog), with one
          // wake kept for all and dropped once past: one lost second every few bursts, 15–25
          // deliveries a second.
          for (const [endpointId, at] of rateWakes) if (at <= now) rateWakes.delete(endpointId);
          for (const row of rows) {
            // A rate-limited lane is held until its next burst may go: look again then, not at the next poll.
            if (row.rateWaitMs !== null) rateWakes.set(row.endpointId, performance.now() + Math.max(1, row.rateWaitMs));
            start(row);
          }
          scheduler.claimSucceeded(rows.length, limit, cutBySlots, slots.inflight);
        },
        (e: unknown) => {
          reportError(e);
          scheduler.claimFailed(performance.now());
        },
      )
      .finally(() => {
        claiming = null;
        armPoll();
        pump();
      });
    armPoll();
  }

  function start(row: ClaimedDelivery): void {
    const p = attempt(row)
      .then(async (r) => {
        if (r.attempt.errorCode === 'interrupted') interruptedEndpoints.add(row.endpointId);
        else if (r.attempt.httpCode === GONE) {
          // Disabled before the attempt is recorded, so the kept delivery is never due in an active lane.
          await disableGoneEndpoint(deps.pool, row.endpointId).catch(reportError);
        } else {
          if (r.holdMs !== null) hold(row.endpointId, r.holdMs);
          const decision = breakers.record(row.endpointId, row.id, r.attempt.outcome === 'success', performance.now());
          if (decision) act(row.endpointId, decision);
        }
        recorder.add(r);
      })
      .catch(reportError)
      .finally(() => {
        slots.release(row.endpointId);
        inflightSends.delete(p);
        scheduler.slotFreed();
        pump();
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

  /**
   * Back-pressure: nothing more goes to the endpoint before `ms` from now, from this worker at
   * once, from every worker once its lane's pause is written (a pause only grows, so a
   * shorter hold never cuts a breaker's park short).
   */
  function hold(endpointId: string, ms: number): void {
    holds.hold(endpointId, ms, performance.now());
    pauseEndpoints(deps.pool, [{ endpointId, ms }]).catch(reportError);
    armPoll();
  }

  /** One POST and its result; never throws (see the invariant above). */
  async function attempt(row: ClaimedDelivery): Promise<Result & { holdMs: number | null }> {
    let eventName: string = row.eventType;
    let r: PostResult;
    try {
      const stored = storedEventName(row.endpointEvents, row.eventType);
      eventName = stored;
      const secret = row.secret === null ? null : deps.vault.open(row.secret, SEALED.secret);
      const customHeaders = openHeaders(deps.vault, row.customHeaders);
      const { body, headers } = buildRequest({
        payloadJson: row.payloadJson,
        eventName: stored,
        deviceToken: row.deviceToken,
        secret,
        signingKey: deps.vault.open(row.signingKey, SEALED.signingKey),
        previousSigningKey: row.previousSigningKey === null ? null : deps.vault.open(row.previousSigningKey, SEALED.signingKey),
        customHeaders,
        messageId: deps.webhookIds.delivery(row.id),
        sentAt: new Date(),
        test: false,
      });
      r = withoutEcho(await deps.sender.post({ url: row.url, body, headers, timeoutMs: s.timeoutMs }), { secret, customHeaders });
    } catch (e) {
      reportError(e);
      r = internalFailure(e);
    }
    const holdMs = r.retryAfterMs === null ? null : Math.min(r.retryAfterMs, s.retryAfterMaxMs);
    return { attempt: toAttempt(row, eventName, r, holdMs), outcome: toOutcome(row, r, holdMs), holdMs };
  }

  /** `holdMs`: the receiver's Retry-After (capped), which replaces the schedule's delay. */
  function toOutcome(row: ClaimedDelivery, r: PostResult, holdMs: number | null): Result['outcome'] {
    const base = { id: row.id, attempt: row.attempt, httpCode: r.httpCode, errorCode: r.errorCode };
    if (r.ok) return { ...base, status: 'succeeded', delayMs: null };
    // Cut off by our own stop: not the receiver's failure, so due again at once.
    if (r.errorCode === 'interrupted') return { ...base, status: 'pending', delayMs: 0 };
    // Gone: the endpoint is disabled, and the delivery kept for when it is enabled again (not
    // retried meanwhile). The delay only matters if disabling failed: then it is a retry.
    if (r.httpCode === GONE) return { ...base, status: 'pending', delayMs: s.retryScheduleMs[0] ?? GONE_RETRY_MS };
    const retry = r.errorCode && PERMANENT.has(r.errorCode) ? ({ retry: false } as const) : nextRetry({ scheduleMs: s.retryScheduleMs, jitter: s.retryJitter }, row.attempt);
    if (!retry.retry) return { ...base, status: 'failed', delayMs: null };
    return { ...base, status: 'pending', delayMs: holdMs ?? retry.delayMs };
  }

  pump();
  armPoll();

  return {
    id,
    async stop(graceMs = 10_000) {
      scheduler.drain();
      if (pollTimer) clearTimeout(pollTimer);
      for (const off of unlisten) off();
      while (claiming) await claiming.catch(() => undefined);
      // Handed over at once, not after the POSTs in flight: a lane's next burst is at most a
      // second away, and draining takes no lane any more.
      const now = performance.now();
      const handover = handoverPayload([...rateWakes].map(([endpointId, at]) => [endpointId, at - now]));
      if (handover) await announceWakes(deps.pool, handover).catch(reportError);
      if (inflightSends.size) {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
        await Promise.race([Promise.allSettled([...inflightSends]), graceOver]);
        clearTimeout(timer);
        deps.sender.interruptAll();
        await Promise.allSettled([...inflightSends]);
      }
      await recorder.stop();
      await releaseLeases(deps.pool, id, [...interruptedEndpoints]).catch(reportError);
    },
  };
}

/** A failure before anything was sent (the request could not be built or signed). */
function internalFailure(e: unknown): PostResult {
  const message = coerceError(e).message.slice(0, 200);
  return { ok: false, httpCode: null, startedAt: new Date(), durationMs: 0, errorCode: 'internal', errorText: `the request could not be prepared: ${message}`, responseBody: null, retryAfterMs: null };
}

function toAttempt(row: ClaimedDelivery, eventName: string, r: PostResult, holdMs: number | null): Result['attempt'] {
  const said = holdMs === null ? r : { ...r, errorText: `${r.errorText ?? `HTTP ${r.httpCode}`} (Retry-After: the endpoint is held for ${Math.ceil(holdMs / 1000)} s)` };
  return attemptRecord(
    {
      accountId: row.accountId,
      deliveryId: row.id,
      eventId: row.eventId,
      endpointId: row.endpointId,
      webhookName: row.endpointName,
      deviceId: row.deviceId,
      channel: row.channel,
      eventName,
      url: row.url,
      test: false,
      attemptNumber: row.attempt,
    },
    said,
  );
}
