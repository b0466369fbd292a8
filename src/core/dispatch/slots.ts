import type { ClaimedDelivery } from '../../db/sql/claimDeliveries.js';
import type { EndpointBreakers } from './breaker.js';

/** Most endpoints remembered as having work (each costs one index probe per claim). */
const KNOWN_MAX = 512;
/** An endpoint that had deliveries claimed (or announced) within this long is looked at in every claim, ms. */
const KNOWN_TTL_MS = 3_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What one claim may take: free slots of the endpoints it names, and of any other endpoint. */
export interface SlotOffer {
  ids: string[];
  free: number[];
  /** Slots of an endpoint the offer does not name. */
  others: number;
}

/**
 * A worker's slots: POSTs in flight in all and per endpoint, and the endpoints known to
 * have work (deliveries claimed or announced by a publisher in the last few seconds), which
 * every claim looks at even when their deliveries are not at the front of the queue: a
 * backlog there that this worker cannot take does not hide them.
 */
export class EndpointSlots {
  inflight = 0;
  private readonly perEndpoint = new Map<string, number>();
  /** Endpoint → when it last had deliveries claimed (performance.now() ms). */
  private readonly knownEndpoints = new Map<string, number>();

  constructor(private readonly cap: number) {}

  /** The next claim's offer: every endpoint with POSTs in flight, a breaker or known work gets its own count. */
  offer(breakers: EndpointBreakers): SlotOffer {
    const ids: string[] = [];
    const free: number[] = [];
    const seen = new Set<string>();
    const add = (endpointId: string) => {
      if (seen.has(endpointId)) return;
      seen.add(endpointId);
      ids.push(endpointId);
      free.push(Math.max(0, breakers.slots(endpointId, this.cap) - (this.perEndpoint.get(endpointId) ?? 0)));
    };
    for (const endpointId of this.perEndpoint.keys()) add(endpointId);
    for (const endpointId of breakers.tracked()) add(endpointId);
    for (const endpointId of this.knownEndpoints.keys()) add(endpointId);
    return { ids, free, others: this.cap };
  }

  /** Endpoints worth a look beyond the front of the queue: known to have work, or with POSTs in flight and free slots. */
  known(offer: SlotOffer): string[] {
    const out = new Set(this.knownEndpoints.keys());
    for (const [i, endpointId] of offer.ids.entries()) if ((offer.free[i] ?? 0) > 0 && this.perEndpoint.has(endpointId)) out.add(endpointId);
    return [...out];
  }

  /**
   * The claim came back: every claimed row takes a slot. Returns true when the claim was
   * cut short by an endpoint's slots (it got all it was offered, or had none to offer while
   * known to have work): freed slots should then trigger the next claim.
   */
  settle(offer: SlotOffer, rows: ClaimedDelivery[], now: number): boolean {
    const offered = new Map(offer.ids.map((e, i) => [e, offer.free[i] ?? 0]));
    const got = new Map<string, number>();
    for (const row of rows) {
      got.set(row.endpointId, (got.get(row.endpointId) ?? 0) + 1);
      this.inflight++;
      this.perEndpoint.set(row.endpointId, (this.perEndpoint.get(row.endpointId) ?? 0) + 1);
    }
    let bound = false;
    for (const [endpointId, seen] of [...this.knownEndpoints]) {
      if ((offered.get(endpointId) ?? offer.others) === 0) bound = true;
      else if (now - seen > KNOWN_TTL_MS) this.knownEndpoints.delete(endpointId);
    }
    for (const [endpointId, n] of got) {
      if (n >= (offered.get(endpointId) ?? offer.others)) bound = true;
      this.knownEndpoints.delete(endpointId);
      this.knownEndpoints.set(endpointId, now);
      if (this.knownEndpoints.size > KNOWN_MAX) this.knownEndpoints.delete(this.knownEndpoints.keys().next().value!);
    }
    return bound;
  }

  /** Endpoints a publisher just queued deliveries for (the wake-up's payload). */
  hint(endpointIds: string[], now: number): void {
    for (const endpointId of endpointIds) {
      if (!UUID.test(endpointId)) continue; // anyone may NOTIFY: only ids reach the claim
      this.knownEndpoints.delete(endpointId);
      this.knownEndpoints.set(endpointId, now);
      if (this.knownEndpoints.size > KNOWN_MAX) this.knownEndpoints.delete(this.knownEndpoints.keys().next().value!);
    }
  }

  /** A POST finished: its slot is free. */
  release(endpointId: string): void {
    this.inflight--;
    const n = (this.perEndpoint.get(endpointId) ?? 1) - 1;
    if (n > 0) this.perEndpoint.set(endpointId, n);
    else this.perEndpoint.delete(endpointId);
  }
}
