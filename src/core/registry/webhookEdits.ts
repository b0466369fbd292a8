import { Endpoint } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { notFound } from '../errors.js';
import type { SubscribedEvent } from '../terms.js';
import { uuidOrNil } from './accounts.js';
import { updateWebhook, type SaveResult } from './webhooks.js';

/** The parts of a webhook an edit may change; an omitted part keeps what is stored. */
export interface WebhookPatch {
  webhookId: string;
  name?: string;
  url?: string;
  /** Omitted: the stored secret stays (a door never holds it). null or "": no secret. */
  secret?: string | null;
  deviceIds?: string[];
  events?: SubscribedEvent[];
}

/**
 * Edits one or more parts of a saved webhook (a chat edits one field at a time) with the rules
 * of the full edit: changing URL, secret, devices or events puts the changed endpoints back to
 * Pending test; a rename alone keeps statuses.
 */
export async function editWebhook(ctx: CoreContext, accountId: string, patch: WebhookPatch): Promise<SaveResult> {
  const id = uuidOrNil(patch.webhookId);
  const em = ctx.db.orm.em.fork();
  const first = await em.findOne(Endpoint, { account: accountId, $or: [{ webhookId: id }, { id }] });
  if (!first) throw notFound('webhook', 'webhookId');
  const all = await em.find(Endpoint, { account: accountId, webhookId: first.webhookId }, { populate: ['devices'] });
  return updateWebhook(ctx, accountId, first.webhookId, {
    name: patch.name ?? first.name,
    url: patch.url ?? first.url,
    secret: patch.secret === undefined ? (first.secret ?? null) : patch.secret,
    deviceIds: patch.deviceIds ?? [...new Set(all.flatMap((e) => e.devices.getItems().map((d) => d.id)))],
    events: patch.events ?? [...new Set(all.flatMap((e) => e.events))],
  });
}
