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
}

interface ClaimRow {
  id: string;
  attempt: number;
  event_id: string;
  event_type: string;
  payload_json: string;
  account_id: string;
  endpoint_id: string;
  endpoint_name: string;
  endpoint_events: string[];
  url: string;
  secret: string | null;
  signing_key: string;
  device_id: string;
  device_token: string;
  channel: string;
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
  /** Endpoints to look at even when their deliveries are not at the front of the queue. */
  knownEndpoints?: string[];
  /** Rows at the front of the queue read to find endpoints with due work. @default 4 × limit */
  scan?: number;
  /**
   * Paused endpoints to send one probe delivery to (circuit breaker): each gets its oldest
   * waiting delivery, whether parked or not, beyond `limit`.
   */
  probeEndpoints?: string[];
}

/**
 * Claims up to `limit` due deliveries in one statement, giving each endpoint no more than
 * its free slots, so that one endpoint's backlog cannot fill a worker. SKIP LOCKED lets any
 * number of workers claim side by side. The lease is written into run_at: if this worker
 * dies, the delivery is simply due again when the lease ends.
 *
 * Endpoints with due work are found among the oldest `scan` due rows (minus endpoints with
 * no free slot here: a bounded read, whatever is in front) and among `knownEndpoints` (the
 * worker's recently active ones); then each endpoint's own oldest due rows are taken
 * through its (endpoint_id, run_at) index, up to its free slots, oldest first overall. So
 * an endpoint with a long backlog it cannot take (all its slots hang) never hides the work
 * of the endpoints being served, as a plain "oldest N rows" claim would; an endpoint never
 * seen before is found once it reaches the front. Paused endpoints (circuit breaker) are
 * skipped, but for the probes asked for. Prepared: planning costs as much as running it.
 */
export async function claimDeliveries(pool: pg.Pool, p: ClaimRequest): Promise<ClaimedDelivery[]> {
  const full = p.busyEndpoints.filter((_, i) => (p.busyFree[i] ?? 0) <= 0);
  const { rows } = await pool.query<ClaimRow>({
    name: 'claim_deliveries_v6',
    text: `with front as (
       select distinct f.endpoint_id
         from (select endpoint_id from delivery
                where status = 'pending' and run_at <= now()
                order by run_at
                limit $8) f
        where f.endpoint_id <> all($9::uuid[])
     ), eps as (
       select endpoint_id from front
       union
       select unnest($7::uuid[])
     ), slots as (
       select e.endpoint_id, coalesce(b.free, $4) as free
         from eps e
         join endpoint ep on ep.id = e.endpoint_id and ep.status = 'active' and (ep.paused_until is null or ep.paused_until <= now())
         left join unnest($5::uuid[], $6::int[]) as b(endpoint_id, free) on b.endpoint_id = e.endpoint_id
        where coalesce(b.free, $4) > 0
     ), picked as (
       select c.id, c.run_at
         from slots s
         cross join lateral (
           select d.id, d.run_at from delivery d
            where d.endpoint_id = s.endpoint_id and d.status = 'pending' and d.run_at <= now()
            order by d.run_at
            -- never lock more than this claim can take: a worker claiming beside this one
            -- skips every row locked here, taken or not
            limit least(s.free, $1)
              for update of d skip locked) c
        order by c.run_at
        limit $1
     ), probes as (
       select c.id, c.run_at
         from unnest($10::uuid[]) as pe(endpoint_id)
         join endpoint ep on ep.id = pe.endpoint_id and ep.status = 'active'
         cross join lateral (
           select d.id, d.run_at from delivery d
            where d.endpoint_id = pe.endpoint_id and d.status = 'pending' and (d.leased_by is null or d.run_at <= now())
            order by d.run_at
            limit 1
              for update of d skip locked) c
     ), taken as (
       select id from picked union select id from probes
     )
     update delivery d
        set attempts = d.attempts + 1,
            run_at = now() + $2 * interval '1 millisecond',
            leased_by = $3,
            updated_at = now()
       from taken p, event ev, endpoint ep, device dv
      where d.id = p.id and ev.id = d.event_id and ep.id = d.endpoint_id and dv.id = ev.device_id
   returning d.id, d.attempts as attempt, d.event_id, ev.type as event_type, ev.payload::text as payload_json,
             d.account_id, d.endpoint_id, ep.name as endpoint_name, ep.events as endpoint_events, ep.url, ep.secret,
             ep.signing_key, dv.id as device_id, dv.token as device_token, dv.channel`,
    values: [p.limit, p.leaseMs, p.workerId, p.perEndpoint, p.busyEndpoints, p.busyFree, p.knownEndpoints ?? [], p.scan ?? p.limit * 4, full, p.probeEndpoints ?? []],
  });
  return rows.map((r) => ({
    id: r.id,
    attempt: r.attempt,
    eventId: r.event_id,
    eventType: r.event_type,
    payloadJson: r.payload_json,
    accountId: r.account_id,
    endpointId: r.endpoint_id,
    endpointName: r.endpoint_name,
    endpointEvents: r.endpoint_events,
    url: r.url,
    secret: r.secret,
    signingKey: r.signing_key,
    deviceId: r.device_id,
    deviceToken: r.device_token,
    channel: r.channel,
  }));
}
