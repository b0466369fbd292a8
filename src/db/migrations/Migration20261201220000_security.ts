import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotent publishing: one row per idempotency key a publisher sent, per account, holding
 * the first publish's result so that a retry with the same key returns it and queues nothing.
 * The primary key is what makes a retry that races the first call wait for it (see
 * db/sql/publishKeys.ts). No foreign key to the event: retention may prune the event while
 * the key is still remembered, and the key's row must not cost anything on event deletes.
 */
export class Migration20261201220000_security extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table publish_key (
        account_id uuid not null references account(id) on delete cascade,
        key text not null,
        request_hash text not null,
        -- null only inside the transaction that claimed the key
        event_id uuid,
        deliveries int,
        not_routed_reason text,
        created_at timestamptz not null default now(),
        primary key (account_id, key)
      );
      create index publish_key_created_idx on publish_key (created_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists publish_key;');
  }
}
