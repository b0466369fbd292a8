import { Composer, InlineKeyboard } from 'grammy';
import type { EndpointView } from '../../core/registry/webhooks.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { esc, plural } from '../html.js';
import { ack, show } from '../ui.js';

/**
 * ⛔ Disable and ✅ Enable from a webhook's details (a webhook id: all its endpoints) or from a
 * Disabled alert (an endpoint id: that endpoint). Enabling goes to Pending test: the next
 * successful Send test makes it Active and delivers what was kept meanwhile.
 */
export function endpointStatusFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  const back = (endpoints: EndpointView[]) => new InlineKeyboard().text('🧪 Send test', data.testTargets(endpoints[0]!.webhookId)).text('◀ Details', data.webhook(endpoints[0]!.webhookId));

  c.callbackQuery(pattern.disable, async (ctx) => {
    const endpoints = await core.webhooks.disable(accountOf(ctx), group(ctx.match, 1));
    await ack(ctx, 'Disabled');
    const n = endpoints.filter((e) => e.status === 'disabled').length;
    await show(
      ctx,
      `⛔ <b>${esc(endpoints[0]!.name)}</b> is disabled (${plural(n, 'endpoint')}): it receives no events until it is enabled again. Deliveries already queued are kept.`,
      new InlineKeyboard().text('✅ Enable', data.enable(endpoints[0]!.webhookId)).text('◀ Details', data.webhook(endpoints[0]!.webhookId)),
    );
  });

  c.callbackQuery(pattern.enable, async (ctx) => {
    const endpoints = await core.webhooks.enable(accountOf(ctx), group(ctx.match, 1));
    await ack(ctx, 'Enabled');
    const pending = endpoints.filter((e) => e.status === 'pending_test').length;
    const still = endpoints.filter((e) => e.status === 'disabled').length;
    // An older alert's Enable, pressed after the webhook was enabled and tested elsewhere.
    if (!pending && !still) return show(ctx, `✅ <b>${esc(endpoints[0]!.name)}</b> is not disabled: nothing to enable.`, back(endpoints));
    const lines = [`✅ <b>${esc(endpoints[0]!.name)}</b> is enabled: ${plural(pending, 'endpoint')} 🟡 Pending test. Send a test: once it succeeds, the webhook is Active and receives what was kept.`];
    if (still) lines.push(`${plural(still, 'endpoint')} of it stay disabled (enable them from the details).`);
    await show(ctx, lines.join('\n'), back(endpoints));
  });

  return c;
}
