import { ArrayType, Collection, Entity, JsonType, ManyToMany, ManyToOne, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { CustomHeader } from '../../core/registry/customHeaders.js';
import type { Channel, DisabledReason, EndpointStatus, SubscribedEvent } from '../../core/terms.js';
import { Account } from './Account.js';
import { Device } from './Device.js';

@Entity({ tableName: 'endpoint' })
export class Endpoint {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @ManyToOne(() => Account, { fieldName: 'account_id' })
  account!: Account;

  /** The logical webhook this endpoint is the `channel` part of. */
  @Property({ type: 'uuid' })
  webhookId!: string;

  /** Endpoints saved together; one successful test activates the batch. */
  @Property({ type: 'uuid' })
  batchId!: string;

  @Property({ type: 'text' })
  channel!: Channel;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  url!: string;

  /** Sent as X-Webhook-Secret; never returned in full after saving. */
  @Property({ type: 'text', nullable: true, hidden: true })
  secret?: string | null;

  /** Standard Webhooks key (`whsec_…`) signing every POST. */
  @Property({ type: 'text', hidden: true })
  signingKey!: string;

  /** The key rotated out, still signing next to the new one until `previousSigningKeyUntil`. */
  @Property({ type: 'text', nullable: true, hidden: true })
  previousSigningKey?: string | null;

  @Property({ type: 'Date', nullable: true })
  previousSigningKeyUntil?: Date | null;

  /** Sent on every POST, live and test; values shown only as hints after saving. */
  @Property({ type: JsonType, hidden: true })
  customHeaders: CustomHeader[] & Opt = [];

  /** Most deliveries per second, for every worker together; null = no limit. */
  @Property({ type: 'integer', nullable: true })
  rateLimit?: number | null;

  @Property({ type: ArrayType })
  events!: SubscribedEvent[];

  @Property({ type: 'text' })
  status!: EndpointStatus;

  @ManyToMany(() => Device, undefined, {
    pivotTable: 'endpoint_device',
    joinColumn: 'endpoint_id',
    inverseJoinColumn: 'device_id',
  })
  devices = new Collection<Device>(this);

  @Property({ type: 'Date' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  activatedAt?: Date | null;

  /** Why the endpoint is Disabled (null unless it is). */
  @Property({ type: 'text', nullable: true })
  disabledReason?: DisabledReason | null;

  /** Since when the endpoint is Disabled (null unless it is). */
  @Property({ type: 'Date', nullable: true })
  disabledAt?: Date | null;

  /** The Disabled alert was claimed by a process (db/sql/endpointDisable.ts); reset on enable. */
  @Property({ type: 'boolean' })
  disabledAlerted: boolean & Opt = false;
}
