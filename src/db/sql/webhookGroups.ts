import type { Queryable } from '../transaction.js';

/**
 * Serialises the saves and edits of one account's webhooks (a transaction-scoped advisory lock),
 * so that two saves of the same name + URL + secret cannot both find the group free.
 */
export async function lockWebhookGroups(db: Queryable, accountId: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtextextended('webhook-groups:' || $1::text, 0))`, [accountId]);
}
