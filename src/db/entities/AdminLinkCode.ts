import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './Account.js';

/** A one-time code that links a chat to an account; short-lived and single use. */
@Entity({ tableName: 'admin_link_code' })
export class AdminLinkCode {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @ManyToOne(() => Account, { fieldName: 'account_id' })
  account!: Account;

  /** SHA-256 of the code; the code itself is never stored. */
  @Property({ type: 'text', hidden: true })
  codeHash!: string;

  @Property({ type: 'Date' })
  createdAt: Date = new Date();

  @Property({ type: 'Date' })
  expiresAt!: Date;

  @Property({ type: 'Date', nullable: true })
  usedAt?: Date | null;

  @Property({ type: 'bigint', nullable: true })
  usedByChatId?: string | null;
}
