import { catalogue } from '../../core/catalogue/index.js';
import { Composer, InlineKeyboard } from 'grammy';
import type { SubscribedEvent } from '../../core/terms.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { esc, shorten } from '../html.js';
import { caption } from '../limits.js';
import { troubleshootCard } from '../render/troubleshoot.js';
import { ack, say, show } from '../ui.js';

/**
 * /why <webhook name or id> [event]: core's troubleshooting checklist for the whole webhook
 * (the URL once, each endpoint, each device), one card.
 */
export function whyFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  /** The card is always a new message, so the alert or result it was asked from stays. */
  async function run(ctx: BotContext, webhookId: string, event: SubscribedEvent | null) {
    const report = await core.diagnose.troubleshootWebhook(accountOf(ctx), { webhookId, event });
    const kb = new InlineKeyboard().text('🧪 Send test', data.testTargets(report.webhookId)).text('📜 Details', data.webhook(report.webhookId));
    await say(ctx, troubleshootCard(report), kb);
  }

  c.command('why', async (ctx) => {
    const words = ctx.match.trim().split(/\s+/).filter(Boolean);
    const last = words[words.length - 1];
    const event = last && catalogue.isSubscribedEvent(last) ? (words.pop() ?? null) : null;
    const query = words.join(' ');
    const found = await core.webhooks.find(accountOf(ctx), query);
    if (found.webhookId) return run(ctx, found.webhookId, event);
    if (!found.choices.length) {
      await ctx.reply(query ? `No webhook matches "${shorten(query, 100)}". /webhooks lists them.` : 'No webhooks yet. Add one with /add.');
      return;
    }
    const kb = new InlineKeyboard();
    for (const w of found.choices) kb.text(caption(w.name), data.why(w.id)).row();
    await show(ctx, `🩺 Which webhook${query ? ` matching "${esc(shorten(query, 100))}"` : ''}?`, kb);
  });

  c.callbackQuery(pattern.why, async (ctx) => {
    await run(ctx, group(ctx.match, 1), null);
    await ack(ctx);
  });

  return c;
}
