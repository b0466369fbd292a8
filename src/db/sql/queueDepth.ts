import type pg from 'pg';

/** Pending deliveries by state; the states do not overlap and add up to every pending row. */
export interface QueueDepth {
  /** Waiting for a worker now (never sent, a retry whose time came, or a lease that ran out). */
  due: number;
  /** Held by a worker (its POST in flight) until the lease ends. */
  leased: number;
  /** Failed before and waiting for the retry's time. */
  retrying: number;
  /** Held back by their endpoint: paused by the circuit breaker, or no longer Active. */
  parked: number;
  /** Seconds since the oldest due delivery became due; 0 when none is due. */
  oldestDueAgeSeconds: number;
}

/**
 * The queue's depth for gauges and `status`, read from the delivery table in one statement
 * (pending rows only, through the partial index on them). Prepared: it runs on every scrape.
 */
export async function queueDepth(pool: pg.Pool): Promise<QueueDepth> {
  const { rows } = await pool.query<{ due: number; leased: number; retrying: number; parked: number; oldest_due_age: number | null }>({
    name: 'queue_depth',
    text: `with p as (
       select d.run_at, d.attempts,
              d.leased_by is not null and d.run_at > now() as leased,
              not q.active or coalesce(q.paused_until > now(), false) as held
         from delivery d
         join endpoint_queue q on q.endpoint_id = d.endpoint_id
        where d.status = 'pending'
     )
     select count(*) filter (where not leased and not held and run_at <= now())::int as due,
            count(*) filter (where leased)::int as leased,
            count(*) filter (where not leased and not held and run_at > now())::int as retrying,
            count(*) filter (where not leased and held)::int as parked,
            extract(epoch from now() - min(run_at) filter (where not leased and not held and run_at <= now()))::float8 as oldest_due_age
       from p`,
  });
  const r = rows[0]!;
  return { due: r.due, leased: r.leased, retrying: r.retrying, parked: r.parked, oldestDueAgeSeconds: Math.max(0, r.oldest_due_age ?? 0) };
}
