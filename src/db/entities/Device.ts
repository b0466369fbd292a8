import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import type { Channel, InboundHandler } from '../../core/terms.js';
import { Account } from './Account.js';

@Entity({ tableName: 'device' })
export class Device {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @ManyToOne(() => Account, { fieldName: 'account_id' })
  account!: Account;

  @Property({ type: 'text' })
  channel!: Channel;

  /** Sent as `device` in payloads and as X-Kirisan-Device. */
  @Property({ type: 'text' })
  token!: string;

  @Property({ type: 'text' })
  name!: string;

  /** Phone number or bot name. */
  @Property({ type: 'text' })
  identifier!: string;

  @Property({ type: 'text' })
  inboundHandler!: InboundHandler;

  @Property({ type: 'Date' })
  createdAt: Date = new Date();
}
