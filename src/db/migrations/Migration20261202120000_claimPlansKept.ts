import { Migration } from '@mikro-orm/migrations';
import { CLAIM_FUNCTION as SETTINGS_CLAIM } from './Migration20261201210000_endpointSettings.js';
import { ONE_SLOT, WHOLE_BURST } from './Migration20261202000000_rateBursts.js';
import { ANY_WAITING, DUE } from './Migration20261202110000_probeDueOnly.js';
import { CLAIM_SIGNATURE } from './rewriteClaim.js';


/**
 * The claim keeps its plans: each statement is planned once per connection (and again when
 * a table's statistics change), not at every call. Measured (one connection, 300 claims of
 * 20 deliveries from 4 lanes, 300,000 due): planning the statements anew took 1.9 of the
 * claim's 3.9 ms, and at half load, where a claim takes a few deliveries, it was most of
 * what the claim cost PostgreSQL per delivery.
 *
 * A plan kept is costed without the call's values, and often with statistics that say the
 * tables are empty (a worker's first claims), so each statement is written to have one plan
 * whatever the planner believes: every set of rows the claim works on is an array it holds
 * (`= any(…)`, an index probe per element), and every row looked up for one of them is a
 * single-table lookup by key (`lateral (… limit 1)`, which the planner does not fold into a
 * join). Written as joins, a plan made on empty statistics joined the claimed deliveries to
 * the events by reading the events' whole primary key for each delivery (120 ms a claim at
 * 40,000 queued, 10× the CPU per delivery); the lease, written through `id in (select …)`,
 * read the whole queue's primary key once the statistics said it was large. `enable_seqscan = off` stays: every
 * table read here has the index it needs (see Migration20261201235000_claimByKey).
 * test/delivery.claimPlans.test.ts checks, on a connection whose plans were made while the
 * queue was empty, that a claim reads rows by key once the queue is large.
 */
export const CLAIM_FUNCTION = `
create or replace function claim_deliveries(
  p_worker text, p_limit int, p_lease_ms int, p_per_endpoint int, p_busy uuid[], p_busy_free int[], p_probes uuid[])
returns table (id bigint, attempt int, event_id uuid, event_type text, payload_json text, account_id uuid, endpoint_id uuid,
               endpoint_name text, endpoint_events text[], url text, secret text, signing_key text, device_id uuid,
               device_token text, channel text, custom_headers jsonb, previous_signing_key text, rate_wait_ms int)
language plpgsql volatile
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  v_full uuid[];
  v_lanes uuid[];
  v_quota int;
  v_slot_e uuid[];
  v_slot_n int[];
  v_slot_rate int[];
  v_pick bigint[];
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

  -- 2. What each lane may give: never more than its free slots here, its share of the claim,
  --    or what its rate allows now.
  select coalesce(array_agg(l.e), '{}'), coalesce(array_agg(
           least(coalesce(b.f, p_per_endpoint), v_quota,
                 case when ep.rate_limit is null then p_limit
                      else greatest(0, greatest(1, ep.rate_limit / 10)
                                       - ceil(extract(epoch from greatest(q.rate_tat, now()) - now()) * ep.rate_limit)::int) end)), '{}'),
         coalesce(array_agg(ep.rate_limit), '{}')
    into v_slot_e, v_slot_n, v_slot_rate
    from unnest(v_lanes) as l(e)
   cross join lateral (select q.rate_tat from endpoint_queue q where q.endpoint_id = l.e limit 1) q
   cross join lateral (select ep.rate_limit from endpoint ep where ep.id = l.e limit 1) ep
    left join unnest(p_busy, p_busy_free) as b(e, f) on b.e = l.e;

  -- 3. Each lane's oldest due deliveries, and one due delivery of each paused endpoint to probe
  --    (circuit breaker; Migration20261202110000_probeDueOnly).
  select coalesce(array_agg(x.id), '{}') into v_pick
    from (select c.id from unnest(v_slot_e, v_slot_n) as s(e, n)
           cross join lateral (
             select d.id, d.run_at from delivery d
              where d.endpoint_id = s.e and d.status = 'pending' and d.run_at <= now()
              order by d.run_at
              limit s.n
                for update of d skip locked) c
           order by c.run_at
           limit p_limit) x;
  if cardinality(p_probes) > 0 then
    select v_pick || coalesce(array_agg(c.id), '{}') into v_pick
      from unnest(p_probes) as p(e)
     cross join lateral (
       select d.id from delivery d
        where d.endpoint_id = p.e and ${DUE} and d.id <> all(v_pick)
        order by d.run_at
        limit 1
          for update of d skip locked) c;
  end if;

  -- 4. The lease, written into run_at; then what each lane gave.
  with leased as (
    update delivery d
       set attempts = d.attempts + 1, run_at = now() + p_lease_ms * interval '1 millisecond', leased_by = p_worker
     where d.id = any(v_pick)
    returning d.id, d.endpoint_id
  ), took as (
    select s.e, s.n, s.rate, (select count(*) from leased l where l.endpoint_id = s.e)::int as got
      from unnest(v_slot_e, v_slot_n, v_slot_rate) as s(e, n, rate)
  )
  select (select coalesce(array_agg(l.id), '{}') from leased l),
         (select coalesce(array_agg(t.e), '{}') from took t where t.got < t.n),
         (select coalesce(array_agg(t.e), '{}') from took t where t.rate is not null and t.got > 0),
         (select coalesce(array_agg(t.got), '{}') from took t where t.rate is not null and t.got > 0),
         (select coalesce(array_agg(t.rate), '{}') from took t where t.rate is not null and t.got > 0)
    into v_taken, v_dry, v_rated, v_rated_got, v_rated_rate;

  -- 5. Lanes that may have run dry can be parked only under a lock no publisher holds: a
  --    publish in progress keeps its lane due.
  select coalesce(array_agg(x.endpoint_id), '{}') into v_sealed
    from (select q.endpoint_id from endpoint_queue q where q.endpoint_id = any(v_dry) for update skip locked) x;

  -- 6. Each served lane's next look. Under the lock (a fresh snapshot: this statement's), the
  --    earliest pending delivery, leases just written included; otherwise now, behind the
  --    lanes waiting longer. A rate-limited lane's debt grows by what it took, and it is held
  --    until its whole burst may go again (Migration20261202000000_rateBursts).
  update endpoint_queue q
     set next_at = case when q.endpoint_id = any(v_sealed)
                        then coalesce((select min(d.run_at) from delivery d where d.endpoint_id = q.endpoint_id and d.status = 'pending'), 'infinity')
                        else now() end,
         rate_tat = coalesce((select greatest(q.rate_tat, now()) + r.got * interval '1 second' / r.rate
                                from unnest(v_rated, v_rated_got, v_rated_rate) as r(e, got, rate) where r.e = q.endpoint_id), q.rate_tat),
         paused_until = coalesce((select greatest(q.paused_until, greatest(q.rate_tat, now()) + ${WHOLE_BURST})
                                    from unnest(v_rated, v_rated_got, v_rated_rate) as r(e, got, rate) where r.e = q.endpoint_id), q.paused_until)
   where q.endpoint_id = any(v_lanes);

  -- 7. What to POST.
  return query
    select d.id, d.attempts, d.event_id, ev.type, ev.payload::text, d.account_id, d.endpoint_id, ep.name, ep.events,
           ep.url, ep.secret, ep.signing_key, dv.id, dv.token, dv.channel, ep.custom_headers,
           case when ep.previous_signing_key_until > now() then ep.previous_signing_key end,
           case when ep.rate_limit is not null then greatest(0, ceil(extract(epoch from q.paused_until - now()) * 1000))::int end
      from delivery d
     cross join lateral (select ev.type, ev.payload, ev.device_id from event ev where ev.id = d.event_id limit 1) ev
     cross join lateral (select ep.name, ep.events, ep.url, ep.secret, ep.signing_key, ep.custom_headers, ep.previous_signing_key,
                                ep.previous_signing_key_until, ep.rate_limit
                           from endpoint ep where ep.id = d.endpoint_id limit 1) ep
     cross join lateral (select dv.id, dv.token, dv.channel from device dv where dv.id = ev.device_id limit 1) dv
     cross join lateral (select q.paused_until from endpoint_queue q where q.endpoint_id = d.endpoint_id limit 1) q
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

/** The definition this one replaces: the endpoint settings' claim with whole bursts and due probes, planned at every call, by key. */
const PREVIOUS_CLAIM = SETTINGS_CLAIM.replace('create function', 'create or replace function').replace(ONE_SLOT, WHOLE_BURST).replace(ANY_WAITING, DUE);

export class Migration20261202120000_claimPlansKept extends Migration {
  override async up(): Promise<void> {
    this.addSql(CLAIM_FUNCTION);
  }

  override async down(): Promise<void> {
    this.addSql(PREVIOUS_CLAIM);
    this.addSql(`alter function ${CLAIM_SIGNATURE} set enable_seqscan = off;`);
  }
}
