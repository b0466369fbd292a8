import { describe, expect, it } from 'vitest';
import { nextRetry } from '../src/core/dispatch/retryPolicy.js';

const policy = { scheduleMs: [5_000, 300_000, 1_800_000], jitter: 0.2 };

describe('the retry schedule', () => {
  it('attempt n waits the n-th delay, spread by at most ± the jitter', () => {
    expect(nextRetry(policy, 1, () => 0.5)).toEqual({ retry: true, delayMs: 5_000 });
    expect(nextRetry(policy, 1, () => 0)).toEqual({ retry: true, delayMs: 4_000 });
    expect(nextRetry(policy, 1, () => 1)).toEqual({ retry: true, delayMs: 6_000 });
    expect(nextRetry(policy, 3, () => 0.5)).toEqual({ retry: true, delayMs: 1_800_000 });
  });

  it('after the last scheduled retry, the delivery fails for good', () => {
    expect(nextRetry(policy, 4)).toEqual({ retry: false });
    expect(nextRetry({ scheduleMs: [], jitter: 0 }, 1)).toEqual({ retry: false });
  });

  it('with no jitter every endpoint retries at the same offsets', () => {
    for (let i = 0; i < 20; i++) expect(nextRetry({ scheduleMs: [200, 400], jitter: 0 }, 2)).toEqual({ retry: true, delayMs: 400 });
  });
});
