import { Migration } from '@mikro-orm/migrations';
import { CLAIM_FUNCTION as PREVIOUS_CLAIM } from './Migration20261201000000_queue.js';

/**
 * What an endpoint asks of its POSTs (issue 12): custom headers, a rate limit, and the key it
 * is moving away from.
 *
 * - `custom_headers`: name/value pairs sent on every POST (validated in core, see
 *   core/registry/customHeaders.ts).
 * - `previous_signing_key` until `previous_signing_key_until`: a rotated-out key still signs
 *   every POST next to the new one (two `v1,…` entries in webhook-signature), so that a
 *   receiver can move to the new key without a window of failures.
 * - `rate_limit`: deliveries per second, for every worker together. Enforced by the claim on
 *   the endpoint's lane (a generic cell rate: `rate_tat` is when the lane's debt is paid, a
 *   burst of `rate/10` at most, so that any one second holds at most rate + rate/10, and a
 *   claim that comes late still takes what accrued meanwhile, up to that burst). A lane
 *   that spent its allowance is held in `paused_until` (the pause every claim already
 *   honours, and that only grows) until its next delivery may go; the claim tells the worker
 *   when (`rate_wait_ms`) so that it looks again then rather than at its next poll. Only one
 *   claimer holds a lane at a time (its row lock), so the debt is never counted twice.
 */
export class Migration20261201210000_endpointSettings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table endpoint
        add column custom_headers jsonb not null default '[]',
        add column previous_signing_key text,
        add column previous_signing_key_until timestamptz,
        add column rate_limit int check (rate_limit > 0);
      alter table endpoint_queue add column rate_tat timestamptz;
      drop function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]);
    `);
    this.addSql(CLAIM_FUNCTION);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]);
      alter table endpoint_queue drop column rate_tat;
      alter table endpoint drop column custom_headers, drop column previous_signing_key, drop column previous_signing_key_until, drop column rate_limit;
    `);
    this.addSql(PREVIOUS_CLAIM);
    this.addSql(`alter function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]) set plan_cache_mode = force_custom_plan;`);
  }
}

/**
 * The queue migration's claim (see claimDeliveries.ts for the contract), with each lane's rate
 * allowance in its slots, the allowance spent written back in step 4, and the endpoint's
 * custom headers, previous key (while it still signs) and rate wait in what it returns.
 */
export const CLAIM_FUNCTION = `
create function claim_deliveries(
  p_worker text, p_limit int, p_lease_ms int, p_per_endpoint int, p_busy uuid[], p_busy_free int[], p_probes uuid[])
returns table (id bigint, attempt int, event_id uuid, event_type text, payload_json text, account_id uuid, endpoint_id uuid,
               endpoint_name text, endpoint_events text[], url text, secret text, signing_key text, device_id uuid,
               device_token text, channel text, custom_headers jsonb, previous_signing_key text, rate_wait_ms int)
language plpgsql volatile
-- planned anew at each call (see Migration20261201140000_claimPlans)
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_full uuid[];
  v_lanes uuid[];
  v_quota int;
  v_taken bigint[];
  v_dry uuid[];
  v_sealed uuid[];
  v_rated uuid[];
  v_rated_got int[];
  v_rated_rate int[];
  v_sent int;
begin
  select coalesce(array_agg(b.e), '{}') into v_full from unnest(p_busy, p_busy_free) as b(e, f) where b.f <= 0;

  -- 1. The lanes to serve: due, active, not paused (nor spent their rate), with a free slot
  --    here, oldest first. Claimers skip each other's lanes; publishers (KEY SHARE) do not
  --    block this lock.
  select coalesce(array_agg(x.endpoint_id), '{}') into v_lanes
    from (select q.endpoint_id from endpoint_queue q
           where q.active and greatest(q.next_at, q.paused_until) <= now() and q.endpoint_id <> all(v_full)
           order by greatest(q.next_at, q.paused_until)
           limit p_limit
             for no key update skip locked) x;
  v_quota := ceil(p_limit::numeric / greatest(1, cardinality(v_lanes)));

  -- 2. Each lane's oldest due deliveries (never more than its free slots here, its share of the
  --    claim, or what its rate allows now), and one waiting delivery of each paused endpoint to
  --    probe (circuit breaker); the lease is written into run_at.
  with slots as (
    select l.e, ep.rate_limit as rate,
           least(coalesce(b.f, p_per_endpoint), v_quota,
                 case when ep.rate_limit is null then p_limit
                      else greatest(0, greatest(1, ep.rate_limit / 10)
                                       - ceil(extract(epoch from greatest(q.rate_tat, now()) - now()) * ep.rate_limit)::int) end) as n
      from unnest(v_lanes) as l(e)
      join endpoint_queue q on q.endpoint_id = l.e
      join endpoint ep on ep.id = l.e
      left join unnest(p_busy, p_busy_free) as b(e, f) on b.e = l.e
  ), picked as (
    select c.id from slots s
     cross join lateral (
       select d.id, d.run_at from delivery d
        where d.endpoint_id = s.e and d.status = 'pending' and d.run_at <= now()
        order by d.run_at
        limit s.n
          for update of d skip locked) c
     order by c.run_at
     limit p_limit
  ), probed as (
    select c.id from unnest(p_probes) as p(e)
     cross join lateral (
       select d.id from delivery d
        where d.endpoint_id = p.e and d.status = 'pending' and (d.leased_by is null or d.run_at <= now())
        order by d.run_at
        limit 1
          for update of d skip locked) c
  ), leased as (
    update delivery d
       set attempts = d.attempts + 1, run_at = now() + p_lease_ms * interval '1 millisecond', leased_by = p_worker
     where d.id in (select picked.id from picked union select probed.id from probed)
    returning d.id, d.endpoint_id
  ), took as (
    select s.e, s.n, s.rate, (select count(*) from leased l where l.endpoint_id = s.e)::int as got from slots s
  )
  select (select coalesce(array_agg(l.id), '{}') from leased l),
         (select coalesce(array_agg(t.e), '{}') from took t where t.got < t.n),
         (select coalesce(array_agg(t.e), '{}') from took t where t.rate is not null and t.got > 0),
         (select coalesce(array_agg(t.got), '{}') from took t where t.rate is not null and t.got > 0),
         (select coalesce(array_agg(t.rate), '{}') from took t where t.rate is not null and t.got > 0)
    into v_taken, v_dry, v_rated, v_rated_got, v_rated_rate;

  -- 3. Lanes that may have run dry can be parked only under a lock no publisher holds: a
  --    publish in progress keeps its lane due.
  select coalesce(array_agg(x.endpoint_id), '{}') into v_sealed
    from (select q.endpoint_id from endpoint_queue q where q.endpoint_id = any(v_dry) for update skip locked) x;

  -- 4. Each served lane's next look. Under the lock (a fresh snapshot: this statement's), the
  --    earliest pending delivery, leases just written included; otherwise now, behind the
  --    lanes waiting longer. A rate-limited lane's debt grows by what it took, and it is held
  --    until its next delivery may go.
  update endpoint_queue q
     set next_at = case when q.endpoint_id = any(v_sealed)
                        then coalesce((select min(d.run_at) from delivery d where d.endpoint_id = q.endpoint_id and d.status = 'pending'), 'infinity')
                        else now() end,
         rate_tat = case when r.got is null then q.rate_tat
                         else greatest(q.rate_tat, now()) + r.got * interval '1 second' / r.rate end,
         paused_until = case when r.got is null then q.paused_until
                             else greatest(q.paused_until,
                                           greatest(q.rate_tat, now()) + (r.got - greatest(1, r.rate / 10) + 1) * interval '1 second' / r.rate) end
    from unnest(v_lanes) as l(e)
    left join unnest(v_rated, v_rated_got, v_rated_rate) as r(e, got, rate) on r.e = l.e
   where q.endpoint_id = l.e;

  -- 5. What to POST.
  return query
    select d.id, d.attempts, d.event_id, ev.type, ev.payload::text, d.account_id, d.endpoint_id, ep.name, ep.events,
           ep.url, ep.secret, ep.signing_key, dv.id, dv.token, dv.channel, ep.custom_headers,
           case when ep.previous_signing_key_until > now() then ep.previous_signing_key end,
           case when ep.rate_limit is not null then greatest(0, ceil(extract(epoch from q.paused_until - now()) * 1000))::int end
      from delivery d
      join event ev on ev.id = d.event_id
      join endpoint ep on ep.id = d.endpoint_id
      join device dv on dv.id = ev.device_id
      join endpoint_queue q on q.endpoint_id = d.endpoint_id
     where d.id = any(v_taken);
  get diagnostics v_sent = row_count;
  -- A delivery whose event, device or endpoint was deleted can never be sent (no foreign keys).
  if v_sent < cardinality(v_taken) then
    delete from delivery d
     where d.id = any(v_taken)
       and not exists (select 1 from event ev join device dv on dv.id = ev.device_id join endpoint ep on ep.id = d.endpoint_id where ev.id = d.event_id);
  end if;
end $$;
`;
