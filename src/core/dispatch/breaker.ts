/**
 * A circuit breaker per endpoint, for one worker. It only decides; the worker acts (pauses
 * the endpoint in the database, probes, resumes). Without it, an endpoint that is down takes
 * as much of the machine as a healthy one: every delivery is attempted, fails, and is
 * retried, and on a busy gateway that CPU is taken from the healthy endpoints.
 *
 * Closed → (`threshold` failures in a row) → open: the endpoint is paused in the database
 * (its lane, pauseEndpoints.ts), so no worker sends or even reads its waiting deliveries.
 * After a pause (1 s, doubling up to 60 s) this worker sends one of them as a probe: success
 * closes the breaker and resumes the endpoint (resumeEndpoints.ts); failure opens it again
 * for twice as long. Failures of attempts that
 * were in flight when it opened do not count. If this worker dies, the park simply ends
 * (after at most `parkMs`) and any worker sends them again.
 */
export interface BreakerPolicy {
  /** Failed attempts in a row that open the breaker. @default 5 */
  threshold: number;
  /** First pause before a probe, ms. @default 1_000 */
  basePauseMs: number;
  /** Longest pause before a probe, ms. @default 60_000 */
  maxPauseMs: number;
  /**
   * How long the endpoint is paused in the database for, ms: probes go out meanwhile, and the
   * pause is written again only when it runs out. Also the longest an endpoint stays paused
   * if the worker that paused it dies. @default 600_000
   */
  parkMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { threshold: 5, basePauseMs: 1_000, maxPauseMs: 60_000, parkMs: 600_000 };

/** What the worker should do after an attempt. */
export type BreakerDecision =
  /** Pause the endpoint (park its waiting deliveries) for `ms`. */
  | { kind: 'park'; ms: number }
  /** The endpoint answers again: unpause it; its waiting deliveries are due as before. */
  | { kind: 'resume' };

interface State {
  /** Failures in a row while closed. */
  failures: number;
  /** Length of the current pause, ms; 0 = closed. */
  pauseMs: number;
  /** When the next probe may go (performance.now() ms). */
  openUntil: number;
  /** Until when the database park holds (performance.now() ms). */
  parkedUntil: number;
  /** The delivery sent as a probe, while it is in flight. */
  probe: string | null;
}

export class EndpointBreakers {
  private readonly states = new Map<string, State>();

  /** `probeWindowMs`: how long a probe may take (the lease); a park always covers the next probe. */
  constructor(
    private readonly probeWindowMs: number,
    private readonly policy: BreakerPolicy = DEFAULT_BREAKER,
  ) {}

  /** An attempt of `deliveryId` finished. */
  record(endpointId: string, deliveryId: string, ok: boolean, now: number): BreakerDecision | null {
    const st = this.states.get(endpointId);
    if (ok) {
      if (!st) return null;
      this.states.delete(endpointId);
      return st.pauseMs > 0 ? { kind: 'resume' } : null;
    }
    if (!st) {
      this.states.set(endpointId, { failures: 1, pauseMs: 0, openUntil: 0, parkedUntil: 0, probe: null });
      return this.policy.threshold <= 1 ? this.open(endpointId, now) : null;
    }
    if (st.pauseMs > 0) return st.probe === deliveryId ? this.open(endpointId, now) : null;
    return ++st.failures >= this.policy.threshold ? this.open(endpointId, now) : null;
  }

  /** Slots the endpoint may take in a normal claim: none while open (probes aside). */
  slots(endpointId: string, slots: number): number {
    return (this.states.get(endpointId)?.pauseMs ?? 0) > 0 ? 0 : slots;
  }

  /** Open endpoints due for a probe (none in flight, pause over). */
  probes(now: number): string[] {
    const due: string[] = [];
    for (const [endpointId, st] of this.states) if (st.pauseMs > 0 && st.probe === null && now >= st.openUntil) due.push(endpointId);
    return due;
  }

  /** Ms until the next probe is due (Infinity when none is waiting). */
  nextProbeIn(now: number): number {
    let next = Infinity;
    for (const st of this.states.values()) if (st.pauseMs > 0 && st.probe === null) next = Math.min(next, Math.max(0, st.openUntil - now));
    return next;
  }

  /** A probe was asked for but the endpoint had nothing waiting: try again after the pause. */
  probeMissed(endpointId: string, now: number): void {
    const st = this.states.get(endpointId);
    if (st && st.probe === null) st.openUntil = now + st.pauseMs;
  }

  /** `deliveryId` went out as the endpoint's probe. */
  probing(endpointId: string, deliveryId: string): void {
    const st = this.states.get(endpointId);
    if (st) st.probe = deliveryId;
  }

  /** Endpoints whose breaker is not plainly closed, or is counting failures. */
  tracked(): IterableIterator<string> {
    return this.states.keys();
  }

  private open(endpointId: string, now: number): BreakerDecision | null {
    const st = this.states.get(endpointId)!;
    st.failures = 0;
    st.probe = null;
    st.pauseMs = st.pauseMs === 0 ? this.policy.basePauseMs : Math.min(this.policy.maxPauseMs, st.pauseMs * 2);
    st.openUntil = now + st.pauseMs;
    // Park for long enough to cover many probes, so that a long outage writes its pause
    // every `parkMs`, not at every probe.
    if (st.parkedUntil >= st.openUntil + this.probeWindowMs) return null;
    const ms = Math.max(this.policy.parkMs, st.pauseMs + this.probeWindowMs);
    st.parkedUntil = now + ms;
    return { kind: 'park', ms };
  }
}
