import type { ClaimedDelivery } from '../../db/sql/claimDeliveries.js';

/**
 * What may cut an endpoint's slots in this worker (the circuit breaker, a Retry-After hold):
 * the slots it allows out of `slots`, and the endpoints it has a say about.
 */
export interface SlotGate {
  slots(endpointId: string, slots: number): number;
  tracked(): Iterable<string>;
}

/** What one claim may take: free slots of the endpoints it names, and of any other endpoint. */
export interface SlotOffer {
  ids: string[];
  free: number[];
  /** Slots of an endpoint the offer does not name. */
  others: number;
}

/**
 * A worker's slots: POSTs in flight in all and per endpoint. Each claim is offered every
 * endpoint's free slots here, so that a slow endpoint can hold no more than its own.
 */
export class EndpointSlots {
  inflight = 0;
  private readonly perEndpoint = new Map<string, number>();

  constructor(private readonly cap: number) {}

  /** The next claim's offer: every endpoint with POSTs in flight or a say of the gate gets its own count. */
  offer(gate: SlotGate): SlotOffer {
    const ids: string[] = [];
    const free: number[] = [];
    const seen = new Set<string>();
    const add = (endpointId: string) => {
      if (seen.has(endpointId)) return;
      seen.add(endpointId);
      ids.push(endpointId);
      free.push(Math.max(0, gate.slots(endpointId, this.cap) - (this.perEndpoint.get(endpointId) ?? 0)));
    };
    for (const endpointId of this.perEndpoint.keys()) add(endpointId);
    for (const endpointId of gate.tracked()) add(endpointId);
    return { ids, free, others: this.cap };
  }

  /**
   * The claim came back: every claimed row takes a slot. Returns true when the claim was cut
   * short by an endpoint's slots (it got all it was offered, or had none to offer): freed
   * slots should then trigger the next claim.
   */
  settle(offer: SlotOffer, rows: ClaimedDelivery[]): boolean {
    const offered = new Map(offer.ids.map((e, i) => [e, offer.free[i] ?? 0]));
    const got = new Map<string, number>();
    for (const row of rows) {
      got.set(row.endpointId, (got.get(row.endpointId) ?? 0) + 1);
      this.inflight++;
      this.perEndpoint.set(row.endpointId, (this.perEndpoint.get(row.endpointId) ?? 0) + 1);
    }
    for (const free of offered.values()) if (free === 0) return true;
    for (const [endpointId, n] of got) if (n >= (offered.get(endpointId) ?? offer.others)) return true;
    return false;
  }

  /** A POST finished: its slot is free. */
  release(endpointId: string): void {
    this.inflight--;
    const n = (this.perEndpoint.get(endpointId) ?? 1) - 1;
    if (n > 0) this.perEndpoint.set(endpointId, n);
    else this.perEndpoint.delete(endpointId);
  }
}
