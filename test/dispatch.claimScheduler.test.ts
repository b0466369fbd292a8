import { describe, expect, it } from 'vitest';
import { ClaimScheduler } from '../src/core/dispatch/claimScheduler.js';

/** When a worker claims: the named states of its claim loop (claimScheduler.ts). */
describe('the claim scheduler', () => {
  it('starts wanting to claim, up to its free slots and the batch size', () => {
    const s = new ClaimScheduler();
    expect(s.state).toEqual({ kind: 'idle' });
    expect(s.claimSize(0, 500, 100)).toBe(100);
    expect(s.claimSize(0, 30, 100)).toBe(30);
    expect(s.claimSize(0, 0, 100)).toBe(0);
  });

  it('claims one at a time: while a claim runs it asks for nothing', () => {
    const s = new ClaimScheduler();
    s.claimStarted();
    s.announce();
    expect(s.state).toEqual({ kind: 'claiming' });
    expect(s.claimSize(0, 100, 100)).toBe(0);
  });

  it('after a claim that found nothing, it waits for a reason (an announcement), however many slots free', () => {
    const s = new ClaimScheduler();
    s.claimStarted();
    s.claimSucceeded(0, 100, false, 40);
    for (let i = 0; i < 40; i++) s.slotFreed();
    expect(s.claimSize(0, 100, 100)).toBe(0);
    s.announce();
    expect(s.claimSize(0, 100, 100)).toBe(100);
  });

  it('a short claim that found work may have left some (a lane gives its share of a claim at most): it looks again once half of what is in flight came back', () => {
    const s = new ClaimScheduler();
    s.claimStarted();
    s.claimSucceeded(85, 100, false, 85);
    for (let i = 0; i < 41; i++) {
      s.slotFreed();
      expect(s.claimSize(0, 100, 100)).toBe(0);
    }
    s.slotFreed();
    expect(s.claimSize(0, 100, 100)).toBe(100);
    // Then one that finds nothing ends it.
    s.claimStarted();
    s.claimSucceeded(0, 100, false, 0);
    s.slotFreed();
    expect(s.claimSize(0, 128, 100)).toBe(0);
  });

  it('a full claim leaves work behind: it claims again as soon as there is room', () => {
    const s = new ClaimScheduler();
    s.claimStarted();
    s.claimSucceeded(100, 100, false, 100);
    expect(s.claimSize(0, 28, 100)).toBe(28);
  });

  it('a claim cut short by slots waits for half of what is in flight to come back', () => {
    const s = new ClaimScheduler();
    s.claimStarted();
    s.claimSucceeded(10, 100, true, 10);
    for (let i = 0; i < 4; i++) {
      s.slotFreed();
      expect(s.claimSize(0, 100, 100)).toBe(0);
    }
    s.slotFreed();
    expect(s.claimSize(0, 100, 100)).toBe(100);
  });

  it('a failed claim backs off, doubling up to 5 s, then claims again; a success resets the backoff', () => {
    const s = new ClaimScheduler();
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 9; i++) {
      s.claimStarted();
      s.claimFailed(now);
      delays.push(s.backoffLeft(now));
      expect(s.claimSize(now + delays.at(-1)! - 1, 100, 100)).toBe(0);
      now += delays.at(-1)!;
      expect(s.claimSize(now, 100, 100)).toBe(100);
    }
    expect(delays).toEqual([50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    s.claimStarted();
    s.claimSucceeded(1, 100, false, 1);
    s.claimStarted();
    s.claimFailed(now);
    expect(s.backoffLeft(now)).toBe(50);
  });

  it('draining never claims again, whatever happens', () => {
    const s = new ClaimScheduler();
    s.claimStarted();
    s.drain();
    s.claimSucceeded(100, 100, false, 100);
    s.claimFailed(0);
    s.announce();
    expect(s.state).toEqual({ kind: 'draining' });
    expect(s.claimSize(1e9, 100, 100)).toBe(0);
  });
});
