import { describe, expect, it } from 'vitest';
import { EndpointBreakers } from '../src/core/dispatch/breaker.js';

const policy = { threshold: 3, basePauseMs: 1_000, maxPauseMs: 4_000, parkMs: 60_000 };
const LEASE = 5_000;
const fail = (b: EndpointBreakers, n: number, now = 0, endpoint = 'ep') => {
  let last = null;
  for (let i = 0; i < n; i++) last = b.record(endpoint, `d${i}`, false, now);
  return last;
};

/** The circuit breaker of one worker: it decides, the worker acts (breaker.ts). */
describe('the circuit breaker', () => {
  it('opens after `threshold` failures in a row: the endpoint gets no slots and is paused for the park', () => {
    const b = new EndpointBreakers(LEASE, policy);
    expect(fail(b, 2)).toBeNull();
    expect(b.slots('ep', 16)).toBe(16);
    expect(fail(b, 1)).toEqual({ kind: 'park', ms: 60_000 });
    expect(b.slots('ep', 16)).toBe(0);
    expect(b.slots('other', 16)).toBe(16);
  });

  it('a success in between starts the count again', () => {
    const b = new EndpointBreakers(LEASE, policy);
    fail(b, 2);
    expect(b.record('ep', 'x', true, 0)).toBeNull();
    expect(fail(b, 2)).toBeNull();
    expect(b.slots('ep', 16)).toBe(16);
  });

  it('one probe at a time after the pause; a failed probe doubles the pause up to the maximum', () => {
    const b = new EndpointBreakers(LEASE, policy);
    fail(b, 3, 0);
    expect(b.probes(999)).toEqual([]);
    expect(b.nextProbeIn(0)).toBe(1_000);
    expect(b.probes(1_000)).toEqual(['ep']);
    b.probing('ep', 'p1');
    expect(b.probes(1_500)).toEqual([]); // one in flight
    expect(b.record('ep', 'p1', false, 2_000)).toBeNull(); // still inside the park: nothing to write
    expect(b.nextProbeIn(2_000)).toBe(2_000);
    b.probing('ep', 'p2');
    b.record('ep', 'p2', false, 4_000);
    expect(b.nextProbeIn(4_000)).toBe(4_000);
    b.probing('ep', 'p3');
    b.record('ep', 'p3', false, 8_000);
    expect(b.nextProbeIn(8_000)).toBe(4_000); // capped
  });

  it('failures of attempts that were in flight when it opened do not count; only the probe does', () => {
    const b = new EndpointBreakers(LEASE, policy);
    fail(b, 3, 0);
    expect(b.record('ep', 'late', false, 10)).toBeNull();
    expect(b.nextProbeIn(10)).toBe(990);
  });

  it('a successful probe closes it and resumes the endpoint', () => {
    const b = new EndpointBreakers(LEASE, policy);
    fail(b, 3, 0);
    b.probing('ep', 'p1');
    expect(b.record('ep', 'p1', true, 1_000)).toEqual({ kind: 'resume' });
    expect(b.slots('ep', 16)).toBe(16);
    expect([...b.tracked()]).toEqual([]);
  });

  it('a probe asked for with nothing waiting is tried again after the pause', () => {
    const b = new EndpointBreakers(LEASE, policy);
    fail(b, 3, 0);
    b.probeMissed('ep', 1_000);
    expect(b.probes(1_999)).toEqual([]);
    expect(b.probes(2_000)).toEqual(['ep']);
  });

  it('the park is written again only before it would run out under the next probe', () => {
    const b = new EndpointBreakers(LEASE, { ...policy, parkMs: 10_000 });
    expect(fail(b, 3, 0)).toEqual({ kind: 'park', ms: 10_000 });
    b.probing('ep', 'p1');
    expect(b.record('ep', 'p1', false, 1_000)).toBeNull(); // next probe at 3 s + lease < 10 s
    b.probing('ep', 'p2');
    expect(b.record('ep', 'p2', false, 6_000)).toEqual({ kind: 'park', ms: 10_000 }); // 10 s + lease > park end
  });
});
