import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The alert policy's memory of one endpoint (see core/alerts). Read and written by named
 * statements under a row lock (db/sql/alertStates.ts); the entity documents the table.
 */
@Entity({ tableName: 'alert_state' })
export class AlertState {
  @PrimaryKey({ type: 'uuid' })
  endpointId!: string;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'boolean' })
  failing: boolean = false;

  @Property({ type: 'Date', nullable: true })
  failingSince?: Date | null;

  @Property({ type: 'Date', nullable: true })
  lastAlertAt?: Date | null;

  @Property({ type: 'integer' })
  pendingFailures: number = 0;

  @Property({ type: 'integer' })
  totalFailures: number = 0;

  @Property({ type: 'Date', nullable: true })
  lastAttemptAt?: Date | null;

  @Property({ type: 'json', nullable: true })
  lastFailure?: unknown;

  @Property({ type: 'Date', nullable: true })
  mutedUntil?: Date | null;

  @Property({ type: 'Date' })
  updatedAt: Date = new Date();
}
