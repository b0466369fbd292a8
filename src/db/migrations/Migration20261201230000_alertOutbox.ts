import { Migration } from '@mikro-orm/migrations';

/**
 * Alerts go out through the database (core/alerts/outbox.ts): the process that decides an
 * alert writes one outbox row per recipient in the same transaction as the alert state, and
 * any process with a notifier for that kind of recipient sends it, so alerts reach the admins
 * whichever process decides them, and none is lost while a notifier is down for a while.
 *
 * - `alert_outbox`: (alert, recipient) rows waiting to be sent; `run_at` is the lease and the
 *   retry time. The order index serves "only the oldest row per (endpoint, recipient)".
 * - `alert_thread`: what the sends of an open episode left per recipient (Telegram message
 *   ids and the alerts they showed), so that a recovery resolves those messages in place.
 * - `alert_webhook`: an account's operational webhook (URL and signing key), the second kind
 *   of recipient: a signed Standard Webhooks POST of each alert.
 */
export class Migration20261201230000_alertOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create sequence alert_id_seq;

      create table alert_webhook (
        account_id uuid primary key references account(id) on delete cascade,
        url text not null,
        signing_key text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table alert_outbox (
        id bigserial primary key,
        alert_id bigint not null,
        account_id uuid not null,
        endpoint_id uuid not null references endpoint(id) on delete cascade,
        -- which notifier carries it (chat, webhook, …) and to whom (chat id, account id)
        recipient_kind text not null,
        recipient text not null,
        alert jsonb not null,
        tries int not null default 0,
        -- due time, and while a sender holds the row, the end of its lease
        run_at timestamptz not null default now(),
        last_error text,
        created_at timestamptz not null default now()
      );
      create index alert_outbox_due_idx on alert_outbox (run_at);
      create index alert_outbox_order_idx on alert_outbox (endpoint_id, recipient_kind, recipient, id);

      create table alert_thread (
        endpoint_id uuid not null references endpoint(id) on delete cascade,
        recipient_kind text not null,
        recipient text not null,
        entries jsonb not null,
        updated_at timestamptz not null default now(),
        primary key (endpoint_id, recipient_kind, recipient)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists alert_thread, alert_outbox, alert_webhook cascade; drop sequence if exists alert_id_seq;');
  }
}
