import type { Queryable } from '../transaction.js';
import { ENDPOINT_CHANNEL } from './channels.js';

export interface EndpointStatusChange {
  accountId: string;
  endpointId: string;
  webhookId: string;
  /** The new status, or `deleted`. */
  status: string;
  /** Status disabled: why (gone, failing, manual) and since when (ISO time). */
  disabledReason?: string | null;
  disabledAt?: string | null;
}

/**
 * Tells every gateway process that endpoints changed status. Sent inside the transaction that
 * changes them: PostgreSQL delivers a NOTIFY when, and only if, its transaction commits.
 */
export async function announceEndpointStatus(db: Queryable, changes: EndpointStatusChange[]): Promise<void> {
  if (!changes.length) return;
  await db.query(`select pg_notify('${ENDPOINT_CHANNEL}', c) from unnest($1::text[]) as c`, [changes.map((c) => JSON.stringify(c))]);
}
