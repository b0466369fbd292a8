import { describe, expect, it } from 'vitest';
import { EndpointBreakers } from '../src/core/dispatch/breaker.js';
import type { ClaimedDelivery } from '../src/db/sql/claimDeliveries.js';
import { EndpointSlots } from '../src/core/dispatch/slots.js';

const row = (endpointId: string) => ({ endpointId }) as ClaimedDelivery;
const closed = () => new EndpointBreakers(5_000);

/** A worker's slots per endpoint: one slow endpoint can hold no more than its own (slots.ts). */
describe('endpoint slots', () => {
  it('an endpoint with nothing in flight is offered the full per-endpoint cap, under "others"', () => {
    const s = new EndpointSlots(4);
    expect(s.offer(closed())).toEqual({ ids: [], free: [], others: 4 });
  });

  it('claimed rows take slots; the next offer names the endpoint with what is left', () => {
    const s = new EndpointSlots(4);
    const offer = s.offer(closed());
    expect(s.settle(offer, [row('a'), row('a'), row('b')])).toBe(false);
    expect(s.inflight).toBe(3);
    expect(s.offer(closed())).toEqual({ ids: ['a', 'b'], free: [2, 3], others: 4 });
  });

  it('a claim that took all an endpoint was offered was cut short by slots', () => {
    const s = new EndpointSlots(2);
    expect(s.settle(s.offer(closed()), [row('a'), row('a')])).toBe(true);
    // An endpoint with no slot left in the offer also means work may be waiting behind it.
    expect(s.settle(s.offer(closed()), [])).toBe(true);
  });

  it('released slots are offered again; an endpoint with nothing in flight drops out of the offer', () => {
    const s = new EndpointSlots(2);
    s.settle(s.offer(closed()), [row('a'), row('a')]);
    s.release('a');
    expect(s.offer(closed())).toEqual({ ids: ['a'], free: [1], others: 2 });
    s.release('a');
    expect(s.inflight).toBe(0);
    expect(s.offer(closed())).toEqual({ ids: [], free: [], others: 2 });
  });

  it('an endpoint whose breaker is open is offered no slot at all', () => {
    const s = new EndpointSlots(4);
    const b = closed();
    for (let i = 0; i < 5; i++) b.record('down', `d${i}`, false, 0);
    expect(s.offer(b)).toEqual({ ids: ['down'], free: [0], others: 4 });
  });
});
