import { AlertWebhook } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { checkWebhookUrl } from '../registry/webhookDraft.js';
import { newSigningKey } from '../security/secrets.js';

/**
 * An account's alert webhook ("operational webhook" in Svix and Convoy): every alert of the
 * account is also POSTed to this URL, signed with Standard Webhooks headers under its own key.
 * The URL follows the same rules as a webhook's (the URL guard included).
 */
export interface AlertWebhookView {
  url: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Sets the URL. The first time, a signing key is made and returned, once; changing the URL
 * later keeps the key (and returns none), so receivers keep verifying with the key they have.
 */
export async function setAlertWebhook(ctx: CoreContext, accountId: string, input: { url: string }): Promise<{ alertWebhook: AlertWebhookView; signingKey: string | null }> {
  const url = await checkWebhookUrl(ctx, input.url);
  const em = ctx.db.orm.em.fork();
  const now = ctx.now();
  const existing = await em.findOne(AlertWebhook, { accountId });
  if (existing) {
    existing.url = url;
    existing.updatedAt = now;
    await em.flush();
    return { alertWebhook: view(existing), signingKey: null };
  }
  const created = em.create(AlertWebhook, { accountId, url, signingKey: newSigningKey(), createdAt: now, updatedAt: now });
  await em.flush();
  return { alertWebhook: view(created), signingKey: created.signingKey };
}

/** Alerts stop going there at once, queued ones included; false when none was set. */
export async function removeAlertWebhook(ctx: CoreContext, accountId: string): Promise<{ removed: boolean }> {
  const removed = await ctx.db.orm.em.fork().nativeDelete(AlertWebhook, { accountId });
  return { removed: removed > 0 };
}

export async function getAlertWebhook(ctx: CoreContext, accountId: string): Promise<AlertWebhookView | null> {
  const row = await ctx.db.orm.em.fork().findOne(AlertWebhook, { accountId });
  return row ? view(row) : null;
}

/** Where and how to send an account's alerts now (the webhook notifier reads it at each send). */
export async function alertWebhookTarget(ctx: CoreContext, accountId: string): Promise<{ url: string; signingKey: string } | null> {
  const row = await ctx.db.orm.em.fork().findOne(AlertWebhook, { accountId });
  return row ? { url: row.url, signingKey: row.signingKey } : null;
}

const view = (w: AlertWebhook): AlertWebhookView => ({ url: w.url, createdAt: w.createdAt, updatedAt: w.updatedAt });
