/**
 * When a worker claims, as named states. It only decides; the worker runs the claim, the
 * POSTs and the timers.
 *
 *   idle ──(reason to claim and a free slot)──▶ claiming ──(rows)──▶ idle
 *                                                   └──(error)──▶ backingOff ──(delay over)──▶ idle
 *   any ──(stop)──▶ draining: never claims again; the worker finishes or hands back what it holds.
 *
 * Reasons to claim: work was announced (a publisher's NOTIFY, the poll, a listener that came
 * back, an endpoint resumed), the last claim came back full, or the last claim found work
 * (or was cut short by slots) and enough slots have freed since.
 */
export type ClaimState =
  | { kind: 'idle' }
  | { kind: 'claiming' }
  | { kind: 'backingOff'; until: number }
  | { kind: 'draining' };

/** Longest pause after failed claims (the database is down), ms. */
const MAX_BACKOFF_MS = 5_000;
const FIRST_BACKOFF_MS = 50;

export class ClaimScheduler {
  private current: ClaimState = { kind: 'idle' };
  /** Work may be waiting: announced, found by the poll, or the last claim was full. */
  private announced = true;
  /** The last claim may have left work behind (it found some, or slots cut it): freed slots are a reason to claim. */
  private leftWork = false;
  /** Slots freed since the last claim started; a claim waits for a few rather than one. */
  private freed = 0;
  private wakeAfter = 1;
  private backoffMs = 0;

  get state(): ClaimState {
    return this.current;
  }

  /** New work may be due (NOTIFY, poll, reconnect). */
  announce(): void {
    this.announced = true;
  }

  /** A POST finished and gave its slot back. */
  slotFreed(): void {
    this.freed++;
  }

  /** How many deliveries to claim now (0 = not now), given the worker's free slots. */
  claimSize(now: number, freeSlots: number, batchSize: number): number {
    if (this.current.kind === 'backingOff' && now >= this.current.until) this.current = { kind: 'idle' };
    if (this.current.kind !== 'idle' || freeSlots <= 0) return 0;
    if (!this.announced && !(this.leftWork && this.freed >= this.wakeAfter)) return 0;
    return Math.min(batchSize, freeSlots);
  }

  claimStarted(): void {
    this.current = { kind: 'claiming' };
    this.announced = false;
    this.freed = 0;
  }

  /**
   * The claim came back with `got` of the `limit` asked for. `cutBySlots`: an endpoint's slots
   * held it back. `inflight`: POSTs now in flight.
   */
  claimSucceeded(got: number, limit: number, cutBySlots: boolean, inflight: number): void {
    if (this.current.kind === 'draining') return;
    this.current = { kind: 'idle' };
    this.backoffMs = 0;
    // A claim that found work may have left some behind although it came back short: each
    // lane gives at most its share of a claim, and lanes whose deliveries are all in flight
    // take a share and give nothing. Measured (1,000 endpoints, the last ~5 % of a burst):
    // waiting for the poll instead served one claim a second for 4–10 s. Only a claim that
    // found nothing waits for a reason.
    this.leftWork = cutBySlots || got > 0;
    // A full claim leaves work behind: claim again as soon as there is room.
    if (got >= limit) this.announced = true;
    // Claim again once half of what is in flight has come back (at least one slot): a claim
    // costs the database about as much as a dozen of its rows, so it should be worth it; not
    // all of it, as a few slow POSTs would then hold every endpoint up.
    this.wakeAfter = Math.max(1, Math.floor(inflight / 2));
  }

  /** The claim failed (database down, timeout): wait, doubling up to MAX_BACKOFF_MS, then try again. */
  claimFailed(now: number): void {
    if (this.current.kind === 'draining') return;
    this.backoffMs = Math.min(Math.max(FIRST_BACKOFF_MS, this.backoffMs * 2), MAX_BACKOFF_MS);
    this.current = { kind: 'backingOff', until: now + this.backoffMs };
    this.announced = true;
  }

  /** Ms until a backoff ends (0 when not backing off). */
  backoffLeft(now: number): number {
    return this.current.kind === 'backingOff' ? Math.max(0, this.current.until - now) : 0;
  }

  /** Stop: never claim again. */
  drain(): void {
    this.current = { kind: 'draining' };
  }
}
