import { AsyncLocalStorage } from 'node:async_hooks';

/** One call's outcome within a batch: its own value, or its own error. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitLimits<T> {
  /** Batches being stored at once. */
  inFlight: number;
  /**
   * A batch in flight longer than this, ms, stops counting against `inFlight`: a statement
   * stuck behind a lock or a slow disk does not hold every caller up, while a normal one still
   * gathers what arrives meanwhile.
   */
  stalledAfterMs: number;
  /** Most calls in a batch. */
  batch: number;
  /** Most total weight in a batch (a call heavier than this goes alone). */
  weight: number;
  weightOf: (item: T) => number;
}

/** Runs a function outside any caller's async context (taken when this module loads, at start). */
const outsideCallers = AsyncLocalStorage.snapshot();

/**
 * Calls that arrive while earlier ones are being stored wait, and go together in the next
 * batch (group commit). Nobody waits for company: with nothing in flight a call is stored at
 * once, so a quiet gateway adds no latency; under load each statement carries more calls,
 * so the cost per call falls as the load rises instead of every call paying a statement, a
 * commit and a round trip (what made one-by-one publishing saturate the machine at half the
 * bulk path's rate).
 *
 * `store` answers each call of the batch on its own; if it throws, every call of that batch
 * gets the error. It runs outside every caller's context: a batch belongs to no one request.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly store: (items: T[]) => Promise<Array<Settled<R>>>,
    private readonly limits: GroupCommitLimits<T>,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < this.limits.inFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, this.batchLength());
      this.inFlight++;
      const items = batch.map((b) => b.item);
      let stored: Promise<Array<Settled<R>>>;
      try {
        stored = outsideCallers(() => this.store(items));
      } catch (error) {
        stored = Promise.reject(error);
      }
      // Counted once: by its stall timer (it stops holding the next batch back) or by its end.
      let counted = true;
      const uncount = () => {
        if (!counted) return;
        counted = false;
        this.inFlight--;
        this.next();
      };
      const stall = setTimeout(uncount, this.limits.stalledAfterMs);
      stall.unref();
      const done = (answer: (b: (typeof batch)[number], i: number) => void) => {
        clearTimeout(stall);
        batch.forEach(answer);
        uncount();
      };
      stored.then(
        (results) =>
          done((b, i) => {
            const r = results[i];
            if (!r) b.reject(new Error('group commit: the store answered fewer calls than it was given'));
            else if (r.ok) b.resolve(r.value);
            else b.reject(r.error);
          }),
        (error: unknown) => done((b) => b.reject(error)),
      );
    }
  }

  /** How many of the waiting calls the next batch takes: at least one, within both limits. */
  private batchLength(): number {
    let n = 0;
    let weight = 0;
    for (const w of this.waiting) {
      weight += this.limits.weightOf(w.item);
      if (n >= this.limits.batch || (n > 0 && weight > this.limits.weight)) break;
      n++;
    }
    return n;
  }
}
