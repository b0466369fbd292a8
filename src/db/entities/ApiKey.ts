import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './Account.js';

@Entity({ tableName: 'api_key' })
export class ApiKey {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @ManyToOne(() => Account, { fieldName: 'account_id' })
  account!: Account;

  @Property({ type: 'text' })
  label!: string;

  @Property({ type: 'text' })
  prefix!: string;

  /** SHA-256 of the key; the key itself is shown once and never stored. */
  @Property({ type: 'text', hidden: true })
  keyHash!: string;

  @Property({ type: 'Date' })
  createdAt: Date = new Date();

  @Property({ type: 'Date', nullable: true })
  revokedAt?: Date;
}
