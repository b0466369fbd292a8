/** One pending deadline; `remove` it once its POST is settled. */
export interface Deadline {
  at: number;
  onExpire: () => void;
}

/** How often pending deadlines are checked, ms: the resolution of every POST timeout. */
const TICK_MS = 25;

/**
 * Timeouts for many POSTs on one timer. A timer or an AbortSignal.timeout per POST costs
 * more than the POST's own bookkeeping at thousands of POSTs a second; at most a worker's
 * in-flight POSTs are pending here, so a scan every tick is cheap. The timer runs only while
 * something is pending and never keeps the process alive.
 */
export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer: NodeJS.Timeout | null = null;

  add(ms: number, onExpire: () => void): Deadline {
    const d = { at: performance.now() + ms, onExpire };
    this.pending.add(d);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
    return d;
  }

  remove(d: Deadline): void {
    this.pending.delete(d);
    if (!this.pending.size) this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = performance.now();
    for (const d of this.pending) {
      if (d.at > now) continue;
      this.pending.delete(d);
      d.onExpire();
    }
    if (!this.pending.size) this.close();
  }
}
