import { countFailedOfWebhook, redeliverFailedOfWebhook } from '../../db/sql/redeliver.js';
import type { CoreContext } from '../context.js';
import { getWebhookEndpoints } from '../registry/webhooks.js';

/**
 * "Redeliver all failed" for a webhook as a person sees it (every endpoint of it): first the
 * count to confirm, then the requeue. Deliveries keep their `webhook-id`, so a receiver that
 * did get one of them can drop the repeat.
 */
export async function countWebhookFailures(ctx: CoreContext, accountId: string, webhookId: string): Promise<{ webhookId: string; failed: number }> {
  const [first] = await getWebhookEndpoints(ctx, accountId, webhookId);
  return { webhookId: first!.webhookId, failed: await countFailedOfWebhook(ctx.db.pool, accountId, first!.webhookId) };
}

export async function redeliverWebhookFailures(ctx: CoreContext, accountId: string, webhookId: string): Promise<{ webhookId: string; queued: number }> {
  const [first] = await getWebhookEndpoints(ctx, accountId, webhookId);
  return { webhookId: first!.webhookId, queued: await redeliverFailedOfWebhook(ctx.db.pool, accountId, first!.webhookId) };
}
