import { Migration } from '@mikro-orm/migrations';

/**
 * Admin chats (Telegram chats linked to an account through one-time link codes), the bot's
 * per-chat conversation state, and the alert state that lets several gateway processes share
 * one alert policy without sending anything twice.
 */
export class Migration20261123100000_bot extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table admin_link_code (
        id uuid primary key default gen_random_uuid(),
        account_id uuid not null references account(id) on delete cascade,
        -- SHA-256 of the code: the code itself is shown once, to whoever created it
        code_hash text not null unique,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        used_at timestamptz,
        used_by_chat_id bigint
      );
      create index admin_link_code_account_idx on admin_link_code (account_id);

      -- A chat administers one account; an account may have many admin chats.
      create table admin_chat (
        chat_id bigint primary key,
        account_id uuid not null references account(id) on delete cascade,
        title text,
        linked_at timestamptz not null default now()
      );
      create index admin_chat_account_idx on admin_chat (account_id);

      -- A front door's scratchpad per chat (the /add draft), shared by every process that
      -- may receive the chat's next update (webhook mode behind several processes).
      create table chat_session (
        key text primary key,
        value jsonb not null,
        updated_at timestamptz not null default now()
      );

      -- One row per endpoint that ever failed or was muted. Rows are locked (FOR UPDATE)
      -- while a batch of attempts is evaluated, so each alert is decided by one process only.
      create table alert_state (
        endpoint_id uuid primary key references endpoint(id) on delete cascade,
        account_id uuid not null,
        -- a failure alert went out and no recovery yet
        failing boolean not null default false,
        failing_since timestamptz,
        last_alert_at timestamptz,
        -- failures not yet reported (grouped into the next summary)
        pending_failures int not null default 0,
        -- failures since the endpoint started failing (told in the recovery message)
        total_failures int not null default 0,
        -- newest attempt evaluated: an older one arriving late is ignored
        last_attempt_at timestamptz,
        last_failure jsonb,
        muted_until timestamptz,
        updated_at timestamptz not null default now()
      );
      create index alert_state_account_idx on alert_state (account_id);
      create index alert_state_due_idx on alert_state (last_alert_at) where failing and pending_failures > 0;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists alert_state, chat_session, admin_chat, admin_link_code cascade;');
  }
}
