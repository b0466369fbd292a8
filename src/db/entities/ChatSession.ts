import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A front door's per-chat state (the bot's /add draft), as JSON. */
@Entity({ tableName: 'chat_session' })
export class ChatSession {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @Property({ type: 'json' })
  value!: unknown;

  @Property({ type: 'Date' })
  updatedAt: Date = new Date();
}
