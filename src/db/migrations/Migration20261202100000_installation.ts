import { Migration } from '@mikro-orm/migrations';

/**
 * `installation`: one row, made once when a database gets its schema, holding a random id
 * that is part of every webhook-id (core/webhookIds.ts). Delivery and alert ids come from
 * sequences, which start again from 1 when the database is wiped (the demo wipes its data on
 * every run); without this part a receiver that deduplicates on webhook-id, as it is told to,
 * would drop the new events as repeats. Twelve hex digits of a v4 UUID (its first 48 bits are
 * all random): short, URL-safe, and fixed for the life of the database, so a delivery keeps
 * its webhook-id across retries, processes and restarts.
 */
export class Migration20261202100000_installation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table installation (
        one boolean primary key default true check (one),
        id text not null check (id ~ '^[0-9a-f]{12}$'),
        created_at timestamptz not null default now()
      );
      insert into installation (id) values (left(replace(gen_random_uuid()::text, '-', ''), 12));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table installation;`);
  }
}
