import { Endpoint } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { notFound } from '../errors.js';
import { uuidOrNull } from './accounts.js';
import { updateWebhook, type SaveResult } from './webhooks.js';

/**
 * Edit devices (from a webhook's details): the same edit as the full form, with every other
 * field kept as stored, the secret included, which a front door never holds. Endpoints whose
 * devices change go back to Pending test, as any edit of devices does.
 */
export async function setWebhookDevices(ctx: CoreContext, accountId: string, input: { webhookId: string; deviceIds: string[] }): Promise<SaveResult> {
  const id = uuidOrNull(input.webhookId);
  const endpoints = await ctx.db.orm.em.fork().find(Endpoint, { account: accountId, $or: [{ webhookId: id }, { id }] });
  const first = endpoints[0];
  if (!first) throw notFound('webhook', 'webhookId');
  const all = await ctx.db.orm.em.fork().find(Endpoint, { account: accountId, webhookId: first.webhookId });
  return updateWebhook(ctx, accountId, first.webhookId, {
    name: first.name,
    url: first.url,
    secret: first.secret ?? null,
    deviceIds: input.deviceIds,
    events: [...new Set(all.flatMap((e) => e.events))],
  });
}
