import type pg from 'pg';
import { DELIVERY_CHANNEL } from './channels.js';

/** Tells every worker (NOTIFY on the deliveries channel) when rate-limited lanes may give their next burst. */
export async function announceWakes(pool: pg.Pool, payload: string): Promise<void> {
  await pool.query(`select pg_notify('${DELIVERY_CHANNEL}', $1)`, [payload]);
}
