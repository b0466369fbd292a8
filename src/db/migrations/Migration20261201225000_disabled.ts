import { Migration } from '@mikro-orm/migrations';

/**
 * Disabled, a third endpoint status, with why and since when: `gone` (the receiver answered
 * 410), `failing` (every live attempt failed for a sustained time), `manual` (an admin). A
 * disabled endpoint's lane is inactive like a Pending test one (the queue triggers follow
 * status = 'active'), so its waiting deliveries are kept, not sent.
 */
export class Migration20261201225000_disabled extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table endpoint drop constraint if exists endpoint_status_check;
      alter table endpoint add constraint endpoint_status_check check (status in ('pending_test', 'active', 'disabled'));
      alter table endpoint add column disabled_reason text, add column disabled_at timestamptz,
        -- the Disabled alert went out (one process claims it), reset on enable
        add column disabled_alerted boolean not null default false;
      alter table endpoint add constraint endpoint_disabled_check check (
        (status = 'disabled') = (disabled_reason is not null)
        and (disabled_reason is null) = (disabled_at is null)
        and (disabled_reason is null or disabled_reason in ('gone', 'failing', 'manual')));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      update endpoint set status = 'pending_test' where status = 'disabled';
      alter table endpoint drop constraint if exists endpoint_disabled_check;
      alter table endpoint drop column disabled_reason, drop column disabled_at, drop column disabled_alerted;
      alter table endpoint drop constraint if exists endpoint_status_check;
      alter table endpoint add constraint endpoint_status_check check (status in ('pending_test', 'active'));
    `);
  }
}
