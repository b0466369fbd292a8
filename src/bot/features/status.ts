import { catalogue } from '../../core/catalogue/index.js';
import { Composer, InlineKeyboard } from 'grammy';
import { accountOf } from '../access.js';
import { data } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { duration, esc, plural, shorten, when } from '../html.js';
import { caption, fitList } from '../limits.js';

/** /status: the account's figures and the endpoints failing now, each with a Why? button. */
export function statusFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.command('status', async (ctx) => {
    const s = await core.alerts.status(accountOf(ctx));
    const w = s.webhooks;
    const head = [
      `📊 <b>Status</b> of ${esc(ctx.admin?.accountName ?? '')}`,
      `Webhooks: ${w.webhooks} · endpoints: ${w.endpoints} (${w.active} Active) · device links: ${w.deviceLinks}`,
      `Last ${duration(s.periodMs)}: ${s.succeeded} delivered, ${s.failed} failed attempts`,
      '',
      s.failing.length ? `<b>Failing now</b> (${s.failing.length})` : '✅ No endpoint is failing.',
    ];
    // Each endpoint's episode: failures since its last success, and since when.
    const rows = s.failing.map(
      (f) =>
        `❌ <b>${esc(shorten(f.name, 80))}</b> (${catalogue.channelLabel(f.channel)}): ${plural(f.failures, 'failure')} since ${when(f.failingSince)}, last ${f.httpCode === null ? esc(f.errorCode ?? 'no response') : `HTTP ${f.httpCode}`} at ${when(f.lastFailureAt)}${f.mutedUntil ? ` · 🔕 muted until ${when(f.mutedUntil)}` : ''}`,
    );
    const kb = new InlineKeyboard();
    for (const f of s.failing.slice(0, 8)) kb.text(caption(`🩺 Why ${f.name}?`), data.why(f.webhookId)).row();
    await ctx.reply(fitList(head, rows, [], (n) => `… and ${n} more`), { parse_mode: 'HTML', reply_markup: kb, link_preview_options: { is_disabled: true } });
  });

  return c;
}
