import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** An account's operational webhook: every alert of the account, POSTed there signed (core/alerts/alertWebhook.ts). */
@Entity({ tableName: 'alert_webhook' })
export class AlertWebhook {
  @PrimaryKey({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'text' })
  url!: string;

  /** Standard Webhooks key (`whsec_…`), shown once when the webhook is first set. */
  @Property({ type: 'text' })
  signingKey!: string;

  @Property({ type: 'Date' })
  createdAt: Date = new Date();

  @Property({ type: 'Date' })
  updatedAt: Date = new Date();
}
