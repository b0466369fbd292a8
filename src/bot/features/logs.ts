import { catalogue } from '../../core/catalogue/index.js';
import { Composer, InlineKeyboard } from 'grammy';
import type { AttemptFilter } from '../../core/logs/filter.js';
import type { SubscribedEvent } from '../../core/terms.js';
import { accountOf } from '../access.js';
import { data, group, logFilterOf, pattern, pickerOf, type LogFilter } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { esc, shorten } from '../html.js';
import { caption, fitList } from '../limits.js';
import { pageAt } from '../paging.js';
import { attemptCard, attemptLine } from '../render/attempt.js';
import { ack, show } from '../ui.js';

const PAGE = 6;
/** Choices shown by the device and webhook pickers. */
const PICK_MAX = 30;

/**
 * /logs: Webhooks → Logs in chat. Newest attempts first; filters All / Failed and one of
 * webhook, channel, device or event; paging; one numbered button per row opens the Webhook
 * delivery panel with the diagnosis, and "◀ Logs" comes back to the same list.
 */
export function logsFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  async function scopeLabel(ctx: BotContext, f: LogFilter): Promise<string> {
    const accountId = accountOf(ctx);
    if (f.deviceId) return (await core.devices.get(accountId, f.deviceId)).label;
    if (f.webhookId) return (await core.webhooks.endpoints(accountId, f.webhookId))[0]!.name;
    if (f.event) return catalogue.eventLabel(f.event as SubscribedEvent);
    if (f.channel) return catalogue.channelLabel(f.channel);
    return 'All webhooks';
  }

  async function list(ctx: BotContext, f: LogFilter, index: number) {
    const accountId = accountOf(ctx);
    const filter: AttemptFilter = {
      statuses: f.failed ? ['failed'] : null,
      deviceId: f.deviceId ?? null,
      events: f.event ? [f.event as SubscribedEvent] : null,
      channels: f.channel ? [f.channel] : null,
    };
    const fetch = (after: string | null) =>
      f.webhookId ? core.logs.ofWebhook(accountId, f.webhookId, { filter, first: PAGE, after }) : core.logs.list(accountId, { filter, first: PAGE, after });
    const page = await pageAt(fetch, index);
    ctx.session.logs = { data: data.logs(f, index) };
    const kb = new InlineKeyboard();
    page.items.forEach((a, i) => kb.text(String(index * PAGE + i + 1), data.attempt(a.id)));
    kb.row()
      .text(f.failed ? 'All' : '• All', data.logs({ ...f, failed: false }, 0))
      .text(f.failed ? '• Failed' : 'Failed', data.logs({ ...f, failed: true }, 0))
      .row()
      .text('Webhook ▾', data.logsPick(f.failed, 'webhook'))
      .text('Channel ▾', data.logsPick(f.failed, 'channel'))
      .text('Device ▾', data.logsPick(f.failed, 'device'))
      .text('Event ▾', data.logsPick(f.failed, 'event'))
      .row();
    if (index > 0) kb.text('◀ Newer', data.logs(f, index - 1));
    if (page.hasNextPage) kb.text('Older ▶', data.logs(f, index + 1));
    const title = `📜 <b>Logs</b> · ${f.failed ? 'Failed' : 'All statuses'} · ${esc(shorten(await scopeLabel(ctx, f), 80))} · page ${index + 1}`;
    const rows = page.items.map((a, i) => attemptLine(a, index * PAGE + i + 1));
    const text = rows.length
      ? fitList([title], rows, ['', 'Tap a number for the delivery and its diagnosis.'], (n) => `… ${n} more on this page`)
      : [title, 'No attempts match. Reset the filters, or trigger a real event or a test.'].join('\n');
    await show(ctx, text, kb);
  }

  c.command('logs', (ctx) => list(ctx, { failed: false }, 0));

  c.callbackQuery(pattern.logs, async (ctx) => {
    const { filter, page } = logFilterOf(ctx.match);
    await list(ctx, filter, page);
    await ack(ctx);
  });

  c.callbackQuery(data.logsBack, async (ctx) => {
    const m = pattern.logs.exec(ctx.session.logs?.data ?? '');
    const { filter, page } = m ? logFilterOf(m) : { filter: { failed: false }, page: 0 };
    await list(ctx, filter, page);
    await ack(ctx);
  });

  // Filter pickers: one button per webhook, channel, device or event of the account.
  c.callbackQuery(pattern.logsPick, async (ctx) => {
    const by = pickerOf(group(ctx.match, 1));
    const failed = group(ctx.match, 2) === 'f';
    const accountId = accountOf(ctx);
    const index = Number(group(ctx.match, 3));
    const kb = new InlineKeyboard();
    let hasNext = false;
    if (by === 'device') {
      const devices = await core.devices.list(accountId);
      for (const d of devices.slice(index * PICK_MAX, (index + 1) * PICK_MAX)) kb.text(caption(d.label), data.logs({ failed, deviceId: d.id }, 0)).row();
      hasNext = devices.length > (index + 1) * PICK_MAX;
    } else if (by === 'webhook') {
      const page = await pageAt((after) => core.webhooks.list(accountId, { first: PICK_MAX, after }), index);
      for (const w of page.items) kb.text(caption(w.name), data.logs({ failed, webhookId: w.id }, 0)).row();
      hasNext = page.hasNextPage;
    } else if (by === 'channel') {
      for (const ch of catalogue.channelIds()) kb.text(catalogue.channelLabel(ch), data.logs({ failed, channel: ch }, 0));
      kb.row();
    } else {
      for (const e of catalogue.subscribableNames()) kb.text(catalogue.eventLabel(e), data.logs({ failed, event: e }, 0)).row();
    }
    if (index > 0) kb.text('◀', data.logsPick(failed, by, index - 1));
    kb.text('All', data.logs({ failed }, 0));
    if (hasNext) kb.text('▶', data.logsPick(failed, by, index + 1));
    await show(ctx, `📜 <b>Logs</b> · filter by ${by}${index > 0 || hasNext ? ` · page ${index + 1}` : ''}`, kb);
    await ack(ctx);
  });

  c.callbackQuery(pattern.attempt, async (ctx) => {
    const a = await core.logs.get(accountOf(ctx), group(ctx.match, 1));
    const kb = new InlineKeyboard();
    if (a.outcome === 'failed' && a.deliveryId) kb.text('🔁 Retry now', data.alertRetry(a.deliveryId));
    kb.text('◀ Logs', data.logsBack);
    await show(ctx, attemptCard(a), kb);
    await ack(ctx);
  });

  return c;
}
