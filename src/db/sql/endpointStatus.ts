import type pg from 'pg';
import { ENDPOINT_CHANNEL } from './channels.js';

export interface EndpointStatusChange {
  accountId: string;
  endpointId: string;
  webhookId: string;
  /** The new status, or `deleted`. */
  status: string;
}

/** Tells every gateway process that endpoints changed status (after the change committed). */
export async function announceEndpointStatus(pool: pg.Pool, changes: EndpointStatusChange[]): Promise<void> {
  if (!changes.length) return;
  await pool.query(`select pg_notify('${ENDPOINT_CHANNEL}', c) from unnest($1::text[]) as c`, [changes.map((c) => JSON.stringify(c))]);
}
