/**
 * Endpoints that asked to be left alone until a time (a 429 or 503 with Retry-After), in one
 * worker. The database holds the endpoint's lane for every worker (pauseEndpoints.ts); this
 * covers the moments before that write lands, and keeps this worker's circuit-breaker probes
 * back as well.
 */
export class EndpointHolds {
  /** Until when (performance.now() ms) each endpoint is held. */
  private readonly until = new Map<string, number>();

  /** Holds `endpointId` for `ms` from `now` (a hold only grows). */
  hold(endpointId: string, ms: number, now: number): void {
    this.until.set(endpointId, Math.max(this.until.get(endpointId) ?? 0, now + ms));
  }

  held(endpointId: string, now: number): boolean {
    const until = this.until.get(endpointId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(endpointId);
    return false;
  }

  /** Endpoints held now. */
  tracked(now: number): string[] {
    return [...this.until.keys()].filter((e) => this.held(e, now));
  }

  /** Ms until the next hold ends (Infinity when none): its deliveries are due again then. */
  nextEndIn(now: number): number {
    let next = Infinity;
    for (const until of this.until.values()) if (until > now) next = Math.min(next, until - now);
    return next;
  }
}
