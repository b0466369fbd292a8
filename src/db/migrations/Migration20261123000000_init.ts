import { Migration } from '@mikro-orm/migrations';

/**
 * The initial schema. Written by hand rather than generated: the queue's partial index and
 * the log's filter indexes are the point of it, and an ORM diff would not produce them.
 * Must run on PostgreSQL 16 (docker-compose) as well as the embedded 18.
 */
export class Migration20261123000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table account (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        created_at timestamptz not null default now()
      );

      create table api_key (
        id uuid primary key default gen_random_uuid(),
        account_id uuid not null references account(id) on delete cascade,
        label text not null,
        -- the first characters of the key, shown in lists; the key itself is only hashed
        prefix text not null,
        key_hash text not null unique,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      );
      create index api_key_account_idx on api_key (account_id);

      create table device (
        id uuid primary key default gen_random_uuid(),
        account_id uuid not null references account(id) on delete cascade,
        channel text not null check (channel in ('whatsapp', 'telegram', 'waba')),
        token text not null unique,
        name text not null,
        identifier text not null,
        inbound_handler text not null check (inbound_handler in ('autoreply', 'flow', 'spreadsheet', 'webhook')),
        created_at timestamptz not null default now()
      );
      create index device_account_idx on device (account_id, channel, name);
      -- the log's device-id prefix search looks devices up by token prefix
      create index device_token_prefix_idx on device (account_id, token text_pattern_ops);

      create table endpoint (
        id uuid primary key default gen_random_uuid(),
        account_id uuid not null references account(id) on delete cascade,
        -- the logical webhook (one row of the list); one endpoint per channel of it
        webhook_id uuid not null,
        batch_id uuid not null,
        channel text not null check (channel in ('whatsapp', 'telegram', 'waba')),
        name text not null,
        url text not null,
        secret text,
        signing_key text not null,
        events text[] not null,
        status text not null check (status in ('pending_test', 'active')),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        activated_at timestamptz
      );
      create index endpoint_account_idx on endpoint (account_id, webhook_id);
      create index endpoint_batch_idx on endpoint (batch_id);

      create table endpoint_device (
        endpoint_id uuid not null references endpoint(id) on delete cascade,
        device_id uuid not null references device(id) on delete cascade,
        primary key (endpoint_id, device_id)
      );
      create index endpoint_device_device_idx on endpoint_device (device_id);

      create table event (
        id uuid primary key default gen_random_uuid(),
        account_id uuid not null references account(id) on delete cascade,
        device_id uuid not null references device(id) on delete cascade,
        type text not null,
        -- json, not jsonb: the payload's key order is part of the contract
        payload json not null,
        created_at timestamptz not null default now()
      );

      create table delivery (
        id bigint generated always as identity primary key,
        event_id uuid not null references event(id) on delete cascade,
        endpoint_id uuid not null references endpoint(id) on delete cascade,
        account_id uuid not null,
        status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
        attempts int not null default 0,
        -- when the delivery is due; while a worker holds it, when its lease ends
        run_at timestamptz not null default now(),
        leased_by text,
        last_http_code int,
        last_error_code text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index delivery_due_idx on delivery (run_at) where status = 'pending';
      create index delivery_event_idx on delivery (event_id);
      create index delivery_endpoint_idx on delivery (endpoint_id, created_at);

      -- The attempt log: append-only, no foreign keys, so that deleting an endpoint or a
      -- delivery keeps its history readable (name and URL are copied in).
      create table attempt (
        id bigint generated always as identity primary key,
        account_id uuid not null,
        delivery_id bigint,
        endpoint_id uuid,
        webhook_name text not null,
        device_id uuid,
        channel text not null,
        event_name text not null,
        url text not null,
        test boolean not null,
        started_at timestamptz not null,
        duration_ms int not null,
        http_code int,
        outcome text not null check (outcome in ('success', 'failed')),
        error_code text,
        error_text text,
        response_body text,
        attempt_number int not null
      );
      create index attempt_account_idx on attempt (account_id, started_at desc, id desc);
      create index attempt_outcome_idx on attempt (account_id, outcome, started_at desc, id desc);
      create index attempt_endpoint_idx on attempt (account_id, endpoint_id, started_at desc, id desc);
      create index attempt_device_idx on attempt (account_id, device_id, started_at desc, id desc);
      create index attempt_event_idx on attempt (account_id, event_name, started_at desc, id desc);
      create index attempt_channel_idx on attempt (account_id, channel, started_at desc, id desc);
      create index attempt_delivery_idx on attempt (delivery_id) where delivery_id is not null;
      create index attempt_started_idx on attempt (started_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists attempt, delivery, event, endpoint_device, endpoint, device, api_key, account cascade;');
  }
}
