import { Composer, InlineKeyboard } from 'grammy';
import type { Core } from '../../core/index.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import { esc, plural } from '../html.js';
import { pageAt } from '../paging.js';
import { webhookDetails, webhookLine } from '../render/webhook.js';
import { ack, show } from '../ui.js';

const PAGE = 5;

/** /webhooks: the list (paged), a webhook's details and actions, delete with confirmation. */
export function webhooksFeature(core: Core): Composer<BotContext> {
  const c = new Composer<BotContext>();

  async function list(ctx: BotContext, index: number) {
    const accountId = accountOf(ctx);
    const page = await pageAt((after) => core.webhooks.list(accountId, { first: PAGE, after }), index);
    if (!page.items.length) {
      await show(ctx, 'No webhooks yet. Add one with /add.');
      return;
    }
    const kb = new InlineKeyboard();
    page.items.forEach((w, i) => kb.text(`${index * PAGE + i + 1}. ${w.name}`.slice(0, 60), data.webhook(w.id)).row());
    if (index > 0) kb.text('◀ Previous', data.webhooks(index - 1));
    if (page.hasNextPage) kb.text('Next ▶', data.webhooks(index + 1));
    const lines = page.items.map((w, i) => webhookLine(w, index * PAGE + i + 1));
    await show(ctx, [`<b>Webhooks</b> · page ${index + 1}`, ...lines, '', 'Tap one for details.'].join('\n'), kb);
  }

  async function details(ctx: BotContext, webhookId: string) {
    const accountId = accountOf(ctx);
    const endpoints = await core.webhooks.endpoints(accountId, webhookId);
    const pages = await Promise.all(endpoints.map((e) => core.logs.list(accountId, { filter: { endpointId: e.id }, first: 3 })));
    const attempts = pages.flatMap((p) => p.items).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, 5);
    const id = endpoints[0]!.webhookId;
    const kb = new InlineKeyboard()
      .text('🧪 Send test', data.testTargets(id))
      .text('🩺 Why?', data.why(id))
      .row()
      .text('📱 Edit devices', data.editDevices(id))
      .text('🗑 Delete', data.deleteAsk(id))
      .text('◀ Webhooks', data.webhooks(0));
    await show(ctx, webhookDetails(endpoints, attempts), kb);
  }

  c.command('webhooks', (ctx) => list(ctx, 0));
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

  return c;
}
