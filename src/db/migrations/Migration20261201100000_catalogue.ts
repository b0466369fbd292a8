import { Migration } from '@mikro-orm/migrations';

/**
 * Channels are listed once, in the catalogue (src/core/catalogue); the table checks copied
 * that list, so a new channel needed a migration and the two could drift. The registry
 * validates every channel against the catalogue before writing (devices take theirs from
 * registration, endpoints from their devices), so the database stops repeating the list.
 */
export class Migration20261201100000_catalogue extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table device drop constraint if exists device_channel_check;
      alter table endpoint drop constraint if exists endpoint_channel_check;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table device add constraint device_channel_check check (channel in ('whatsapp', 'telegram', 'waba'));
      alter table endpoint add constraint endpoint_channel_check check (channel in ('whatsapp', 'telegram', 'waba'));
    `);
  }
}
