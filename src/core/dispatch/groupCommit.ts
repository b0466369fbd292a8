/** One call's outcome within a batch: its own value, or its own error. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Calls that arrive while earlier ones are being stored wait, and go together in the next
 * batch (group commit). Nobody waits for company: with nothing in flight a call is stored at
 * once, so a quiet gateway adds no latency; under load each statement carries more calls,
 * so the cost per call falls as the load rises instead of every call paying a statement, a
 * commit and a round trip (what made one-by-one publishing saturate the machine at half the
 * bulk path's rate). More than one batch may be in flight, so one slow statement does not hold
 * every caller up.
 *
 * `store` answers each call of the batch on its own; if it throws, every call of that batch
 * gets the error.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly store: (items: T[]) => Promise<Array<Settled<R>>>,
    private readonly limits: { inFlight: number; batch: number },
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < this.limits.inFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, this.limits.batch);
      this.inFlight++;
      // The next batch starts before this one's callers hear back, so what they publish in
      // answer goes in the batch after it, behind the calls that were already waiting.
      const settle = (answer: (b: (typeof batch)[number], i: number) => void) => {
        this.inFlight--;
        this.next();
        batch.forEach(answer);
      };
      this.store(batch.map((b) => b.item)).then(
        (results) =>
          settle((b, i) => {
            const r = results[i];
            if (!r) b.reject(new Error('group commit: the store answered fewer calls than it was given'));
            else if (r.ok) b.resolve(r.value);
            else b.reject(r.error);
          }),
        (error: unknown) => settle((b) => b.reject(error)),
      );
    }
  }
}
