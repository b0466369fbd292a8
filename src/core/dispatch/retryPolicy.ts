/**
 * When to try a failed delivery again. Beyond the product (which sends once): a schedule
 * of delays like Svix's (5 s, 5 min, 30 min, 2 h, 5 h, 10 h by default), each spread by a
 * jitter so that endpoints that failed together do not retry together.
 */
export interface RetryPolicy {
  scheduleMs: number[];
  /** Fraction: a delay d becomes d × (1 ± jitter). */
  jitter: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** `attempt` is the number of the attempt that just failed (1 = the first POST). */
export function nextRetry(policy: RetryPolicy, attempt: number, random: () => number = Math.random): RetryDecision {
  const base = policy.scheduleMs[attempt - 1];
  if (base === undefined) return { retry: false };
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return { retry: true, delayMs: Math.max(0, Math.round(base * spread)) };
}

