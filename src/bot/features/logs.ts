import { Composer, InlineKeyboard } from 'grammy';
import { eventLabel } from '../../core/events/index.js';
import type { Core } from '../../core/index.js';
import type { AttemptFilter } from '../../core/logs/filter.js';
import { SUBSCRIBABLE_EVENTS, type SubscribedEvent } from '../../core/terms.js';
import { accountOf } from '../access.js';
import { data, group, pattern, type LogFilter } from '../callbacks.js';
import type { BotContext } from '../context.js';
import { esc } from '../html.js';
import { pageAt } from '../paging.js';
import { attemptButton, attemptCard, attemptLine } from '../render/attempt.js';
import { ack, show } from '../ui.js';

const PAGE = 6;

/**
 * /logs: Webhooks → Logs in chat. Newest attempts first, filter buttons (All / Failed, one
 * device, one event), paging; a tapped row opens the Webhook delivery panel with the diagnosis.
 */
export function logsFeature(core: Core): Composer<BotContext> {
  const c = new Composer<BotContext>();

  async function list(ctx: BotContext, f: LogFilter, index: number) {
    const accountId = accountOf(ctx);
    const filter: AttemptFilter = {
      statuses: f.failed ? ['failed'] : null,
      deviceId: f.deviceId ?? null,
      events: f.event ? [f.event as SubscribedEvent] : null,
    };
    const page = await pageAt((after) => core.logs.list(accountId, { filter, first: PAGE, after }), index);
    const scope = [f.failed ? 'Failed' : 'All statuses', f.deviceId ? await deviceName(ctx, f.deviceId) : 'All devices', f.event ? eventLabel(f.event as SubscribedEvent) : 'All events'];
    const kb = new InlineKeyboard();
    for (const a of page.items) kb.text(attemptButton(a), data.attempt(a.id)).row();
    kb.text(f.failed ? 'All' : '• All', data.logs({ ...f, failed: false }, 0))
      .text(f.failed ? '• Failed' : 'Failed', data.logs({ ...f, failed: true }, 0))
      .text('Device ▾', data.logsPick(f.failed, 'device'))
      .text('Event ▾', data.logsPick(f.failed, 'event'))
      .row();
    if (index > 0) kb.text('◀ Newer', data.logs(f, index - 1));
    if (page.hasNextPage) kb.text('Older ▶', data.logs(f, index + 1));
    const lines = page.items.length ? page.items.map(attemptLine) : ['No attempts match. Reset the filters, or trigger a real event or a test.'];
    await show(ctx, [`📜 <b>Logs</b> · ${esc(scope.join(' · '))} · page ${index + 1}`, ...lines].join('\n'), kb);
  }

  async function deviceName(ctx: BotContext, deviceId: string): Promise<string> {
    return (await core.devices.get(accountOf(ctx), deviceId)).label;
  }

  c.command('logs', (ctx) => list(ctx, { failed: false }, 0));

  c.callbackQuery(pattern.logs, async (ctx) => {
    const m = ctx.match;
    const f: LogFilter = { failed: group(m, 1) === 'f' };
    if (group(m, 2) === 'd') f.deviceId = group(m, 3);
    if (group(m, 4) === 'e') f.event = group(m, 5);
    await list(ctx, f, Number(group(m, 6)));
    await ack(ctx);
  });

  // Filter pickers: one button per device of the account, or per event.
  c.callbackQuery(pattern.logsPick, async (ctx) => {
    const failed = group(ctx.match, 2) === 'f';
    const kb = new InlineKeyboard();
    if (group(ctx.match, 1) === 'D') {
      for (const d of await core.devices.list(accountOf(ctx))) kb.text(d.label.slice(0, 60), data.logs({ failed, deviceId: d.id }, 0)).row();
      kb.text('All devices', data.logs({ failed }, 0));
    } else {
      for (const e of SUBSCRIBABLE_EVENTS) kb.text(eventLabel(e), data.logs({ failed, event: e }, 0)).row();
      kb.text('All events', data.logs({ failed }, 0));
    }
    await show(ctx, `📜 <b>Logs</b> · filter by ${group(ctx.match, 1) === 'D' ? 'device' : 'event'}`, kb);
    await ack(ctx);
  });

  c.callbackQuery(pattern.attempt, async (ctx) => {
    const a = await core.logs.get(accountOf(ctx), group(ctx.match, 1));
    const kb = new InlineKeyboard();
    if (a.outcome === 'failed' && a.deliveryId) kb.text('🔁 Retry now', data.alertRetry(a.deliveryId));
    kb.text('◀ Logs', data.logs({ failed: false }, 0));
    await show(ctx, attemptCard(a), kb);
    await ack(ctx);
  });

  return c;
}
