import type pg from 'pg';

/** A claimed delivery with everything needed to POST it, read in the same statement. */
export interface ClaimedDelivery {
  id: string;
  /** This attempt's number (1 for the first POST). */
  attempt: number;
  eventId: string;
  eventType: string;
  payloadJson: string;
  accountId: string;
  endpointId: string;
  endpointName: string;
  endpointEvents: string[];
  url: string;
  secret: string | null;
  signingKey: string;
  deviceId: string;
  deviceToken: string;
  channel: string;
  /** Sent on this POST besides the contract's headers. */
  customHeaders: Array<{ name: string; value: string }>;
  /** A rotated-out key that still signs, next to signingKey; null when none. */
  previousSigningKey: string | null;
  /** The endpoint has a rate limit: ms until its lane may give another delivery; null when none. */
  rateWaitMs: number | null;
}

export interface ClaimRequest {
  workerId: string;
  /** Most deliveries to claim (the worker's free slots, at most its batch size). */
  limit: number;
  /** Lease length, ms: the delivery is due again when it ends unfinished. */
  leaseMs: number;
  /** Free slots of an endpoint this worker has nothing in flight for. */
  perEndpoint: number;
  /** Endpoints with their own number of free slots (in flight here, or on probation); 0 = skip. */
  busyEndpoints: string[];
  busyFree: number[];
  /**
   * Paused endpoints to send one probe delivery to (circuit breaker): each gets its oldest
   * waiting delivery, whether due or not, beyond `limit`.
   */
  probeEndpoints?: string[];
}

/**
 * Claims up to `limit` due deliveries in one round trip (the `claim_deliveries` function,
 * migration 20261201000000_queue), giving each endpoint no more than its free slots, so that
 * one endpoint's backlog cannot fill a worker. The lease is written into run_at: if this
 * worker dies, the delivery is simply due again when the lease ends (same webhook-id).
 *
 * Work is found through the endpoints' lanes (`endpoint_queue`), not through the deliveries:
 * the claim takes up to `limit` lanes that are due (oldest first; paused, inactive and busy
 * ones are out of range), SKIP LOCKED so that workers serve different lanes, then each lane's
 * oldest due deliveries, an equal share each. Its cost follows the deliveries it takes,
 * whatever the number of endpoints with work, and a backlog an endpoint cannot take (its
 * slots here are full) is never read. A lane served goes to the back (round robin); one that
 * ran dry is parked at its next delivery's time, under a lock that no publisher holds, then
 * looked at with a fresh snapshot (see insertEvent.ts for the other half).
 */
export async function claimDeliveries(pool: pg.Pool, p: ClaimRequest): Promise<ClaimedDelivery[]> {
  // Columns named as the interface: the rows are returned as pg makes them.
  const { rows } = await pool.query<ClaimedDelivery>({
    name: 'claim_deliveries',
    text: `select id, attempt, event_id as "eventId", event_type as "eventType", payload_json as "payloadJson", account_id as "accountId",
                  endpoint_id as "endpointId", endpoint_name as "endpointName", endpoint_events as "endpointEvents", url, secret,
                  signing_key as "signingKey", device_id as "deviceId", device_token as "deviceToken", channel,
                  custom_headers as "customHeaders", previous_signing_key as "previousSigningKey", rate_wait_ms as "rateWaitMs"
             from claim_deliveries($1, $2, $3, $4, $5::uuid[], $6::int[], $7::uuid[])`,
    values: [p.workerId, p.limit, p.leaseMs, p.perEndpoint, p.busyEndpoints, p.busyFree, p.probeEndpoints ?? []],
  });
  return rows;
}
