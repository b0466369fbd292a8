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

/**
 * Claims up to `limit` due deliveries of active endpoints in one statement, giving each
 * endpoint no more than its free slots (`free`, by endpoint id; `perEndpoint` for the
 * others), so that one endpoint's backlog cannot fill a worker. SKIP LOCKED lets any number
 * of workers claim side by side. The lease is written into run_at: if this worker dies,
 * the delivery is simply due again when the lease ends.
 */
export async function claimDeliveries(
  pool: pg.Pool,
  p: { workerId: string; limit: number; leaseMs: number; perEndpoint: number; busyEndpoints: string[]; busyFree: number[] },
): Promise<ClaimedDelivery[]> {
  const { rows } = await pool.query(
    `with candidates as (
       select d.id, d.endpoint_id, d.run_at,
              row_number() over (partition by d.endpoint_id order by d.run_at, d.id) as rn
         from (select id, endpoint_id, run_at
                 from delivery
                where status = 'pending' and run_at <= now()
                order by run_at
                limit $1 * 4) d
         join endpoint ep on ep.id = d.endpoint_id and ep.status = 'active'
     ), picked as (
       select d.id
         from delivery d
         join candidates c on c.id = d.id
         left join unnest($5::uuid[], $6::int[]) as f(endpoint_id, free) on f.endpoint_id = c.endpoint_id
        where c.rn <= coalesce(f.free, $4)
          and d.status = 'pending' and d.run_at <= now()
        order by c.run_at
        limit $1
          for update of d skip locked
     )
     update delivery d
        set attempts = d.attempts + 1,
            run_at = now() + $2 * interval '1 millisecond',
            leased_by = $3,
            updated_at = now()
       from picked p, event ev, endpoint ep, device dv
      where d.id = p.id and ev.id = d.event_id and ep.id = d.endpoint_id and dv.id = ev.device_id
   returning d.id, d.attempts as attempt, d.event_id, ev.type as event_type, ev.payload::text as payload_json,
             d.account_id, d.endpoint_id, ep.name as endpoint_name, ep.events as endpoint_events, ep.url, ep.secret,
             ep.signing_key, dv.id as device_id, dv.token as device_token, dv.channel`,
    [p.limit, p.leaseMs, p.workerId, p.perEndpoint, p.busyEndpoints, p.busyFree],
  );
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
