import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery cost that holds as accounts grow (issue 15): what `npm run bench`'s scaling phase
 * and a profile showed.
 *
 * - **One queue row per endpoint** (`endpoint_queue`, a "lane"): when a worker should next
 *   look at the endpoint's deliveries (`next_at`: never later than its earliest pending
 *   delivery's run_at), and the circuit breaker's pause. A claim takes the lanes that are
 *   due, then each lane's oldest due deliveries, so its cost follows the deliveries it takes,
 *   not the endpoints that have work; an endpoint that is paused, inactive or waiting is out
 *   of the due range of the lane index and costs nothing. The claim is a function
 *   (`claim_deliveries`, below) because parking a lane that ran dry needs a lock and then a
 *   fresh snapshot, two statements, in one round trip. Lanes follow the endpoints (triggers):
 *   created with them, active while the endpoint is, deleted with them (and their queued
 *   deliveries with them).
 * - **Fewer writes per delivery.** A pause no longer rewrites the endpoint's deliveries. A
 *   delivered delivery's row is deleted (its attempt is its history; a redelivery re-creates
 *   it from the attempt, which now names the event); failed ones stay for redelivery. No
 *   foreign keys on the hot tables (event, delivery): their checks cost more than the rows.
 *   The queue keeps two indexes (primary key, and (endpoint, run_at) of pending rows).
 * - **The attempt log is partitioned by day** (UTC), so that retention drops whole days. The
 *   existing table becomes the partition of everything before tomorrow (no rows move; its
 *   indexes are reused where the definition is the same), daily partitions follow. No
 *   default partition: partitions are made ahead (`ensure_attempt_partitions`), and a
 *   default one would forbid detaching old days concurrently.
 *
 * Must run on PostgreSQL 16 (docker-compose) as well as the embedded 18.
 */
export class Migration20261201000000_queue extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table endpoint_queue (
        endpoint_id uuid primary key references endpoint(id) on delete cascade,
        -- the endpoint is Active: only then are its deliveries claimed
        active boolean not null,
        -- when a worker should next look at this endpoint's deliveries; never later than the
        -- earliest run_at of its pending deliveries (due, retrying, or leased until then);
        -- 'infinity' when it has none
        next_at timestamptz not null default 'infinity',
        -- circuit breaker: nothing is claimed before this, but probes
        paused_until timestamptz
      );
      -- The due lanes, oldest first; a paused lane sorts at the end of its pause (greatest()
      -- ignores a null), an inactive one is not in it.
      create index endpoint_queue_due_idx on endpoint_queue ((greatest(next_at, paused_until))) where active;

      insert into endpoint_queue (endpoint_id, active, next_at, paused_until)
      select ep.id, ep.status = 'active',
             coalesce((select min(d.run_at) from delivery d where d.endpoint_id = ep.id and d.status = 'pending'), 'infinity'),
             ep.paused_until
        from endpoint ep;
      alter table endpoint drop column paused_until;

      create function endpoint_queue_created() returns trigger language plpgsql as $$
      begin
        insert into endpoint_queue (endpoint_id, active) select n.id, n.status = 'active' from new_rows n;
        return null;
      end $$;
      create trigger endpoint_queue_created after insert on endpoint
        referencing new table as new_rows for each statement execute function endpoint_queue_created();

      create function endpoint_queue_status() returns trigger language plpgsql as $$
      begin
        update endpoint_queue q set active = n.status = 'active' from new_rows n where q.endpoint_id = n.id and q.active <> (n.status = 'active');
        return null;
      end $$;
      create trigger endpoint_queue_status after update on endpoint
        referencing new table as new_rows for each statement execute function endpoint_queue_status();

      -- Deliveries of these endpoints are due at these times (a retry, a redelivery, a lease
      -- handed back): their lanes are due no later. Always writes, so that it waits for a claim
      -- holding the lane and applies to what that claim left (a claim may park a lane without
      -- seeing deliveries not committed yet). Locks in endpoint order: no deadlock between
      -- writers of several lanes.
      create function queue_due(p_endpoints uuid[], p_at timestamptz[]) returns int language sql volatile as $$
        with w as (
          select x.e, min(x.t) as t from unnest(p_endpoints, p_at) as x(e, t) group by x.e
        ), l as (
          select q.endpoint_id, w.t from endpoint_queue q join w on w.e = q.endpoint_id
           order by q.endpoint_id
             for no key update of q
        ), u as (
          update endpoint_queue q set next_at = least(q.next_at, l.t) from l where q.endpoint_id = l.endpoint_id returning 1
        )
        select count(*)::int from u
      $$;

      -- What the foreign key's cascade did: an endpoint's queued and failed deliveries go with it.
      create function endpoint_queue_deleted() returns trigger language plpgsql as $$
      begin
        delete from delivery d using old_rows o where d.endpoint_id = o.id and d.status = 'pending';
        delete from delivery d using old_rows o where d.endpoint_id = o.id and d.status = 'failed';
        return null;
      end $$;
      create trigger endpoint_queue_deleted after delete on endpoint
        referencing old table as old_rows for each statement execute function endpoint_queue_deleted();

      alter table delivery drop constraint delivery_event_id_fkey, drop constraint delivery_endpoint_id_fkey;
      alter table event drop constraint event_account_id_fkey, drop constraint event_device_id_fkey;
      drop index delivery_due_idx, delivery_event_idx, delivery_endpoint_idx;
      -- redeliverFailed, and retention of failed deliveries
      create index delivery_failed_idx on delivery (endpoint_id, created_at) where status = 'failed';
      -- retention: events are appended in time order, a BRIN index costs next to nothing
      create index event_created_brin on event using brin (created_at);
    `);

    this.addSql(`
      create function ensure_attempt_partitions(p_from timestamptz, p_to timestamptz) returns int language plpgsql as $$
      declare
        day timestamptz := date_trunc('day', p_from at time zone 'UTC') at time zone 'UTC';
        made int := 0;
      begin
        while day < p_to loop
          begin
            execute format('create table %I partition of attempt for values from (%L) to (%L)',
                           to_char(day at time zone 'UTC', '"attempt_p"YYYYMMDD'), day, day + interval '1 day');
            made := made + 1;
          exception
            -- a day that already has its partition (or lies in the legacy one)
            when duplicate_table or invalid_object_definition then null;
          end;
          day := day + interval '1 day';
        end loop;
        return made;
      end $$;

      do $$
      declare
        cutover timestamptz;
        next_id bigint;
        legacy boolean;
      begin
        lock table attempt in access exclusive mode;
        select coalesce(max(id), 0) + 1, count(*) > 0,
               date_trunc('day', greatest(now(), coalesce(max(started_at), now())) at time zone 'UTC') at time zone 'UTC' + interval '1 day'
          into next_id, legacy, cutover from attempt;
        alter table attempt rename to attempt_legacy;
        alter table attempt_legacy alter column id drop identity;
        alter table attempt_legacy drop constraint attempt_pkey;
        alter table attempt_legacy add column event_id uuid;
        drop index attempt_started_brin;
        alter index attempt_account_idx rename to attempt_legacy_account_idx;
        alter index attempt_endpoint_idx rename to attempt_legacy_endpoint_idx;
        alter index attempt_device_idx rename to attempt_legacy_device_idx;
        alter index attempt_event_idx rename to attempt_legacy_event_idx;
        alter index attempt_channel_idx rename to attempt_legacy_channel_idx;
        alter index attempt_failed_idx rename to attempt_legacy_failed_idx;
        alter index attempt_test_idx rename to attempt_legacy_test_idx;
        execute format('create sequence attempt_id_seq start with %s', next_id);

        -- The same columns (event_id now names the delivery's event, so that a delivered
        -- delivery can be sent again), partitioned by the day the attempt started.
        create table attempt (like attempt_legacy including defaults including constraints) partition by range (started_at);
        alter table attempt alter column id set default nextval('attempt_id_seq');
        alter sequence attempt_id_seq owned by attempt.id;

        if legacy then
          execute format('alter table attempt attach partition attempt_legacy for values from (minvalue) to (%L)', cutover);
        else
          drop table attempt_legacy;
          cutover := date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '1 day';
        end if;
        perform ensure_attempt_partitions(cutover, now() + interval '3 days');
      end $$;

      -- Created on the parent: every partition gets them; the legacy table's equal ones are attached.
      create index attempt_id_idx on attempt (id);
      create index attempt_delivery_idx on attempt (delivery_id) where delivery_id is not null;
      ${LOG_INDEXES}
    `);

    this.addSql(CLAIM_FUNCTION);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop function if exists claim_deliveries(text, int, int, int, uuid[], int[], uuid[]);
      drop function if exists queue_due(uuid[], timestamptz[]);
      alter table attempt rename to attempt_partitioned;
      create table attempt (like attempt_partitioned including defaults including constraints);
      alter table attempt alter column id drop default;
      insert into attempt select * from attempt_partitioned;
      alter table attempt drop column event_id;
      alter table attempt alter column id add generated always as identity;
      select setval(pg_get_serial_sequence('attempt', 'id'), coalesce((select max(id) from attempt), 0) + 1, false);
      drop table attempt_partitioned;
      drop function if exists ensure_attempt_partitions(timestamptz, timestamptz);
      alter table attempt add primary key (id);
      ${LOG_INDEXES}
      create index attempt_started_brin on attempt using brin (started_at);

      drop index if exists event_created_brin, delivery_failed_idx;
      create index delivery_due_idx on delivery (run_at) where status = 'pending';
      create index delivery_event_idx on delivery (event_id);
      create index delivery_endpoint_idx on delivery (endpoint_id, created_at);
      delete from delivery d where not exists (select 1 from event e where e.id = d.event_id) or not exists (select 1 from endpoint e where e.id = d.endpoint_id);
      alter table delivery add constraint delivery_event_id_fkey foreign key (event_id) references event(id) on delete cascade,
                           add constraint delivery_endpoint_id_fkey foreign key (endpoint_id) references endpoint(id) on delete cascade;
      delete from event e where not exists (select 1 from device d where d.id = e.device_id);
      alter table event add constraint event_account_id_fkey foreign key (account_id) references account(id) on delete cascade,
                        add constraint event_device_id_fkey foreign key (device_id) references device(id) on delete cascade;

      alter table endpoint add column paused_until timestamptz;
      update endpoint ep set paused_until = q.paused_until from endpoint_queue q where q.endpoint_id = ep.id;
      drop trigger if exists endpoint_queue_created on endpoint;
      drop trigger if exists endpoint_queue_status on endpoint;
      drop trigger if exists endpoint_queue_deleted on endpoint;
      drop function if exists endpoint_queue_created(), endpoint_queue_status(), endpoint_queue_deleted();
      drop table endpoint_queue;
    `);
  }
}

/** The log's filter indexes (Webhooks → Logs), the same before and after partitioning. */
const LOG_INDEXES = `
      create index attempt_account_idx on attempt (account_id, started_at desc, id desc);
      create index attempt_endpoint_idx on attempt (account_id, endpoint_id, started_at desc, id desc);
      create index attempt_device_idx on attempt (account_id, device_id, started_at desc, id desc);
      create index attempt_event_idx on attempt (account_id, event_name, started_at desc, id desc);
      create index attempt_channel_idx on attempt (account_id, channel, started_at desc, id desc);
      create index attempt_failed_idx on attempt (account_id, started_at desc, id desc) where outcome = 'failed';
      create index attempt_test_idx on attempt (account_id, started_at desc, id desc) where test;`;

/**
 * The claim (see claimDeliveries.ts for the contract). Each SQL statement of a VOLATILE
 * plpgsql function takes its own snapshot: step 4 sees every delivery committed before step 3
 * locked its lanes, which is what makes parking a lane safe.
 */
export const CLAIM_FUNCTION = `
create function claim_deliveries(
  p_worker text, p_limit int, p_lease_ms int, p_per_endpoint int, p_busy uuid[], p_busy_free int[], p_probes uuid[])
returns table (id bigint, attempt int, event_id uuid, event_type text, payload_json text, account_id uuid, endpoint_id uuid,
               endpoint_name text, endpoint_events text[], url text, secret text, signing_key text, device_id uuid,
               device_token text, channel text)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_full uuid[];
  v_lanes uuid[];
  v_quota int;
  v_taken bigint[];
  v_dry uuid[];
  v_sealed uuid[];
  v_sent int;
begin
  select coalesce(array_agg(b.e), '{}') into v_full from unnest(p_busy, p_busy_free) as b(e, f) where b.f <= 0;

  -- 1. The lanes to serve: due, active, not paused, with a free slot here, oldest first.
  --    Claimers skip each other's lanes; publishers (KEY SHARE) do not block this lock.
  select coalesce(array_agg(x.endpoint_id), '{}') into v_lanes
    from (select q.endpoint_id from endpoint_queue q
           where q.active and greatest(q.next_at, q.paused_until) <= now() and q.endpoint_id <> all(v_full)
           order by greatest(q.next_at, q.paused_until)
           limit p_limit
             for no key update skip locked) x;
  -- An equal share of the claim per lane (never more than its free slots), so that the rows
  -- locked are about the rows taken.
  v_quota := ceil(p_limit::numeric / greatest(1, cardinality(v_lanes)));

  -- 2. Each lane's oldest due deliveries, and one waiting delivery of each paused endpoint to
  --    probe (circuit breaker); the lease is written into run_at.
  with slots as (
    select l.e, least(coalesce(b.f, p_per_endpoint), v_quota) as n
      from unnest(v_lanes) as l(e) left join unnest(p_busy, p_busy_free) as b(e, f) on b.e = l.e
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
    select s.e, s.n, (select count(*) from leased l where l.endpoint_id = s.e) as got from slots s
  )
  select (select coalesce(array_agg(l.id), '{}') from leased l), (select coalesce(array_agg(t.e), '{}') from took t where t.got < t.n)
    into v_taken, v_dry;

  -- 3. Lanes that may have run dry can be parked only under a lock no publisher holds: a
  --    publish in progress keeps its lane due.
  select coalesce(array_agg(x.endpoint_id), '{}') into v_sealed
    from (select q.endpoint_id from endpoint_queue q where q.endpoint_id = any(v_dry) for update skip locked) x;

  -- 4. Each served lane's next look. Under the lock (a fresh snapshot: this statement's), the
  --    earliest pending delivery, leases just written included; otherwise now, behind the
  --    lanes waiting longer.
  update endpoint_queue q
     set next_at = case when q.endpoint_id = any(v_sealed)
                        then coalesce((select min(d.run_at) from delivery d where d.endpoint_id = q.endpoint_id and d.status = 'pending'), 'infinity')
                        else now() end
   where q.endpoint_id = any(v_lanes);

  -- 5. What to POST.
  return query
    select d.id, d.attempts, d.event_id, ev.type, ev.payload::text, d.account_id, d.endpoint_id, ep.name, ep.events,
           ep.url, ep.secret, ep.signing_key, dv.id, dv.token, dv.channel
      from delivery d
      join event ev on ev.id = d.event_id
      join endpoint ep on ep.id = d.endpoint_id
      join device dv on dv.id = ev.device_id
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
