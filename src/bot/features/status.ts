import { Composer, InlineKeyboard } from 'grammy';
import { channelLabel } from '../../core/events/index.js';
import type { Core } from '../../core/index.js';
import { accountOf } from '../access.js';
import { data } from '../callbacks.js';
import type { BotContext } from '../context.js';
import { duration, esc, plural, when } from '../html.js';

/** /status: the account's figures and the endpoints failing now, each with a Why? button. */
export function statusFeature(core: Core): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.command('status', async (ctx) => {
    const s = await core.alerts.status(accountOf(ctx));
    const w = s.webhooks;
    const lines = [
      `📊 <b>Status</b> of ${esc(ctx.admin?.accountName ?? '')}`,
      `Webhooks: ${w.webhooks} · endpoints: ${w.endpoints} (${w.active} Active) · device links: ${w.deviceLinks}`,
      `Last ${duration(s.periodMs)}: ${s.succeeded} delivered, ${s.failed} failed attempts`,
      '',
      s.failing.length ? `<b>Failing now</b> (${s.failing.length})` : '✅ No endpoint is failing.',
      ...s.failing.map(
        (f) =>
          `❌ <b>${esc(f.name)}</b> (${channelLabel(f.channel)}): ${plural(f.failures, 'failure')}, last ${f.httpCode === null ? esc(f.errorCode ?? 'no response') : `HTTP ${f.httpCode}`} at ${when(f.lastFailureAt)}${f.mutedUntil ? ` · 🔕 muted until ${when(f.mutedUntil)}` : ''}`,
      ),
    ];
    const kb = new InlineKeyboard();
    for (const f of s.failing.slice(0, 8)) kb.text(`🩺 Why ${f.name}?`.slice(0, 60), data.why(f.webhookId)).row();
    await ctx.reply(lines.join('\n'), { parse_mode: 'HTML', reply_markup: kb, link_preview_options: { is_disabled: true } });
  });

  return c;
}
