import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Account } from './Account.js';

/** A Telegram chat linked to an account: its admins run the bot and receive alerts there. */
@Entity({ tableName: 'admin_chat' })
export class AdminChat {
  /** Telegram chat id (up to 52 bits), kept as a decimal string. */
  @PrimaryKey({ type: 'bigint', autoincrement: false })
  chatId!: string;

  @ManyToOne(() => Account, { fieldName: 'account_id' })
  account!: Account;

  @Property({ type: 'text', nullable: true })
  title?: string | null;

  @Property({ type: 'Date' })
  linkedAt: Date = new Date();
}
