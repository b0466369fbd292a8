/**
 * Failed authentications per client address, in fixed windows: after `limit` failures within
 * a window, every authentication from that address is refused until the window ends (a
 * correct key included, so that the refusal tells a guesser nothing). Keys are 256-bit
 * random, so this is not what stops guessing; it keeps a flood of wrong keys from costing a
 * database lookup each and from burying the log. Per process: N processes behind a load
 * balancer allow up to N × limit.
 */
export interface AuthLimiter {
  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number;
  /** Counts one failed authentication of `address`. */
  failed(address: string): void;
}

export interface AuthLimiterSettings {
  /** Failures per window; 0 = no limit. */
  failureLimit: number;
  failureWindowMs: number;
}

/** Addresses remembered at most; past it, finished windows are dropped first, then the oldest. */
const MAX_ADDRESSES = 50_000;

export function createAuthLimiter(settings: AuthLimiterSettings, now: () => number = Date.now): AuthLimiter {
  const windows = new Map<string, { failures: number; endsAt: number }>();
  const current = (address: string) => {
    const w = windows.get(address);
    if (w && w.endsAt <= now()) {
      windows.delete(address);
      return undefined;
    }
    return w;
  };
  return {
    retryAfterSeconds(address) {
      if (settings.failureLimit === 0) return 0;
      const w = current(address);
      return w && w.failures >= settings.failureLimit ? Math.max(1, Math.ceil((w.endsAt - now()) / 1000)) : 0;
    },
    failed(address) {
      if (settings.failureLimit === 0) return;
      const w = current(address);
      if (w) {
        w.failures++;
        return;
      }
      if (windows.size >= MAX_ADDRESSES) forgetSome(windows, now());
      windows.set(address, { failures: 1, endsAt: now() + settings.failureWindowMs });
    },
  };
}

function forgetSome(windows: Map<string, { endsAt: number }>, at: number): void {
  for (const [address, w] of windows) if (w.endsAt <= at) windows.delete(address);
  // Maps iterate in insertion order: what is left first is the oldest.
  for (const address of windows.keys()) {
    if (windows.size < MAX_ADDRESSES * 0.9) break;
    windows.delete(address);
  }
}
