import { Composer, InlineKeyboard } from 'grammy';
import { accountOf } from '../access.js';
import type { BotCore } from '../core.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import { esc, when } from '../html.js';
import { attemptCard } from '../render/attempt.js';
import { ack, say } from '../ui.js';

/** The buttons of alert messages: Details, Retry now, Mute 1 h / 24 h (and Unmute). */
export function alertsFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.callbackQuery(pattern.alertDetails, async (ctx) => {
    const accountId = accountOf(ctx);
    // The endpoint first: an id of another account is refused here, before any log is read.
    const endpoint = await core.webhooks.endpoint(accountId, group(ctx.match, 1));
    const page = await core.logs.list(accountId, { filter: { endpointId: endpoint.id, statuses: ['failed'], test: false }, first: 1 });
    await ack(ctx);
    const a = page.items[0];
    // From the alert, the delivery comes as a new message: the alert stays as it was.
    if (!a) {
      await say(ctx, `No failed live attempt of <b>${esc(endpoint.name)}</b> in the log.`);
      return;
    }
    const kb = new InlineKeyboard();
    if (a.deliveryId) kb.text('🔁 Retry now', data.alertRetry(a.deliveryId));
    kb.text('🩺 Why?', data.why(endpoint.webhookId));
    await say(ctx, attemptCard(a), kb);
  });

  c.callbackQuery(pattern.alertRetry, async (ctx) => {
    const deliveryId = group(ctx.match, 1);
    await core.dispatch.redeliver(accountOf(ctx), deliveryId);
    await ack(ctx, 'Retrying now');
    await say(ctx, `🔁 Delivery #${esc(deliveryId)} is being sent again. A recovery message follows when it succeeds; /logs shows the attempt.`);
  });

  c.callbackQuery(pattern.alertMute, async (ctx) => {
    const hours = Number(group(ctx.match, 1));
    const endpointId = group(ctx.match, 2);
    const r = await core.alerts.mute(accountOf(ctx), { endpointId, hours });
    await ack(ctx, `Muted for ${hours} h`);
    await say(ctx, `🔕 Alerts of this endpoint are muted until ${when(r.mutedUntil)}. Deliveries and retries go on as usual.`, new InlineKeyboard().text('🔔 Unmute', data.alertUnmute(endpointId)));
  });

  c.callbackQuery(pattern.alertUnmute, async (ctx) => {
    await core.alerts.unmute(accountOf(ctx), group(ctx.match, 1));
    await ack(ctx, 'Unmuted');
    await say(ctx, '🔔 Alerts of this endpoint are on again.');
  });

  return c;
}
