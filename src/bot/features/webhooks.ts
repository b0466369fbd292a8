import { Composer, InlineKeyboard } from 'grammy';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { esc, plural } from '../html.js';
import { caption } from '../limits.js';
import { pageAt } from '../paging.js';
import { webhookDetails, webhookLine } from '../render/webhook.js';
import { ack, show } from '../ui.js';

const PAGE = 5;
const LAST_ATTEMPTS = 5;

/**
 * /webhooks [words]: the list (paged, searchable), a webhook's details and actions, delete
 * and "Redeliver all failed", each with a confirmation.
 */
export function webhooksFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  async function list(ctx: BotContext, index: number) {
    const accountId = accountOf(ctx);
    const search = ctx.session.search ?? null;
    const page = await pageAt((after) => core.webhooks.list(accountId, { first: PAGE, after, search }), index);
    if (!page.items.length) {
      await show(ctx, search ? `No webhook matches "${esc(search)}". /webhooks lists them all.` : 'No webhooks yet. Add one with /add.');
      return;
    }
    const kb = new InlineKeyboard();
    page.items.forEach((w, i) => kb.text(caption(`${index * PAGE + i + 1}. ${w.name}`), data.webhook(w.id)).row());
    if (index > 0) kb.text('◀ Previous', data.webhooks(index - 1));
    if (page.hasNextPage) kb.text('Next ▶', data.webhooks(index + 1));
    const lines = page.items.map((w, i) => webhookLine(w, index * PAGE + i + 1));
    const title = `<b>Webhooks</b>${search ? ` matching "${esc(search)}"` : ''} · page ${index + 1}`;
    await show(ctx, [title, ...lines, '', 'Tap one for details.'].join('\n'), kb);
  }

  async function details(ctx: BotContext, webhookId: string) {
    const accountId = accountOf(ctx);
    const endpoints = await core.webhooks.endpoints(accountId, webhookId);
    const [attempts, mutes, settings] = await Promise.all([
      core.logs.ofWebhook(accountId, webhookId, { first: LAST_ATTEMPTS }),
      core.alerts.muteState(accountId, endpoints.map((e) => e.id)),
      core.webhooks.settings(accountId, webhookId),
    ]);
    const id = endpoints[0]!.webhookId;
    const disabled = endpoints.some((e) => e.status === 'disabled');
    const kb = new InlineKeyboard()
      .text('🧪 Send test', data.testTargets(id))
      .text('🩺 Why?', data.why(id))
      .text('📜 Logs', data.logs({ failed: false, webhookId: id }, 0))
      .row()
      .text('✏️ Edit', data.editMenu(id))
      .text('📱 Devices', data.editDevices(id))
      .text('🔁 Redeliver failed', data.redeliverAsk(id))
      .row()
      .text('🔑 Rotate key', data.rotateAsk(id))
      .text(disabled ? '✅ Enable' : '⛔ Disable', disabled ? data.enable(id) : data.disable(id))
      .text('🗑 Delete', data.deleteAsk(id))
      .text('◀ Webhooks', data.webhooks(0));
    await show(ctx, webhookDetails(endpoints, attempts.items, mutes, settings), kb);
  }

  c.command('webhooks', async (ctx) => {
    const words = ctx.match.trim();
    ctx.session.search = words || undefined;
    await list(ctx, 0);
  });
  c.callbackQuery(pattern.webhooks, async (ctx) => {
    await ack(ctx);
    await list(ctx, Number(group(ctx.match, 1)));
  });
  c.callbackQuery(pattern.webhook, async (ctx) => {
    await details(ctx, group(ctx.match, 1));
    await ack(ctx);
  });

  c.callbackQuery(pattern.deleteAsk, async (ctx) => {
    const endpoints = await core.webhooks.endpoints(accountOf(ctx), group(ctx.match, 1));
    const { webhookId, name } = endpoints[0]!;
    await ack(ctx);
    const kb = new InlineKeyboard().text('Yes, delete', data.deleteConfirm(webhookId)).text('Cancel', data.webhook(webhookId));
    await show(ctx, `Delete <b>${esc(name)}</b>? Its ${plural(endpoints.length, 'endpoint')} stop receiving events at once. Past attempts stay in the log.`, kb);
  });

  c.callbackQuery(pattern.deleteConfirm, async (ctx) => {
    const accountId = accountOf(ctx);
    const [first] = await core.webhooks.endpoints(accountId, group(ctx.match, 1));
    await core.webhooks.delete(accountId, first!.webhookId);
    await ack(ctx, 'Deleted');
    await show(ctx, `🗑 Deleted <b>${esc(first!.name)}</b>.`, new InlineKeyboard().text('◀ Webhooks', data.webhooks(0)));
  });

  c.callbackQuery(pattern.redeliverAsk, async (ctx) => {
    const accountId = accountOf(ctx);
    const webhookId = group(ctx.match, 1);
    const [[first], { failed }] = await Promise.all([core.webhooks.endpoints(accountId, webhookId), core.dispatch.webhookFailures(accountId, webhookId)]);
    await ack(ctx);
    const back = new InlineKeyboard().text('◀ Details', data.webhook(first!.webhookId));
    if (!failed) {
      await show(ctx, `✅ <b>${esc(first!.name)}</b> has no failed delivery to send again.`, back);
      return;
    }
    const kb = new InlineKeyboard().text(`Yes, redeliver ${failed}`, data.redeliverConfirm(first!.webhookId)).text('Cancel', data.webhook(first!.webhookId));
    await show(ctx, `Send again the <b>${plural(failed, 'failed delivery')}</b> of <b>${esc(first!.name)}</b>? Each keeps its webhook-id, so your receiver can drop one it already processed.`, kb);
  });

  c.callbackQuery(pattern.redeliverConfirm, async (ctx) => {
    const r = await core.dispatch.redeliverWebhookFailures(accountOf(ctx), group(ctx.match, 1));
    await ack(ctx, `${r.queued} queued`);
    await show(ctx, `🔁 ${plural(r.queued, 'failed delivery')} queued again. /logs shows the new attempts.`, new InlineKeyboard().text('◀ Details', data.webhook(r.webhookId)));
  });

  return c;
}
