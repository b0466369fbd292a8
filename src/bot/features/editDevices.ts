import { Composer, InlineKeyboard } from 'grammy';
import type { Channel } from '../../core/terms.js';
import { accountOf } from '../access.js';
import type { BotCore } from '../core.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext, EditDevices } from '../context.js';
import { esc } from '../html.js';
import { savedLine } from '../render/saved.js';
import { devicePicker, toggle } from '../render/devicePicker.js';
import { ack, show } from '../ui.js';

/** Edit devices of a saved webhook (from its details); saving puts changed endpoints back to Pending test. */
export function editDevicesFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  async function render(ctx: BotContext, e: EditDevices) {
    const [devices, endpoints] = await Promise.all([core.devices.list(accountOf(ctx)), core.webhooks.endpoints(accountOf(ctx), e.webhookId)]);
    const picker = devicePicker(e, devices, { tab: data.editTab, toggle: data.editDevice, done: { text: '💾 Save → test', data: data.editSave }, cancel: data.editCancel });
    await show(ctx, [`<b>Edit devices</b> of ${esc(endpoints[0]!.name)}`, ...picker.lines].join('\n'), picker.keyboard);
  }

  c.callbackQuery(pattern.editDevices, async (ctx) => {
    const endpoints = await core.webhooks.endpoints(accountOf(ctx), group(ctx.match, 1));
    const first = endpoints[0]!;
    const e: EditDevices = { webhookId: first.webhookId, tab: first.channel, deviceIds: endpoints.flatMap((x) => x.devices.map((d) => d.id)) };
    ctx.session.editDevices = e;
    await render(ctx, e);
    await ack(ctx);
  });

  /** Picker buttons; those of a saved or cancelled edit do nothing. */
  const onEdit = (trigger: string | RegExp, handle: (ctx: BotContext, e: EditDevices) => Promise<void>) =>
    c.callbackQuery(trigger, async (ctx) => {
      const e = ctx.session.editDevices;
      if (!e) {
        await ack(ctx, 'This edit is closed, or another admin opened it. Open the webhook again from /webhooks.');
        return;
      }
      await handle(ctx, e);
      await ack(ctx);
    });

  onEdit(pattern.editTab, async (ctx, e) => {
    const next = { ...e, tab: group(ctx.match, 1) as Channel, page: Number(group(ctx.match, 2)) };
    ctx.session.editDevices = next;
    await render(ctx, next);
  });

  onEdit(pattern.editDevice, async (ctx, e) => {
    const next = { ...e, deviceIds: toggle(e.deviceIds, group(ctx.match, 1).toLowerCase()) };
    ctx.session.editDevices = next;
    await render(ctx, next);
  });

  onEdit(data.editCancel, async (ctx, e) => {
    ctx.session.editDevices = undefined;
    await show(ctx, 'Nothing changed.', new InlineKeyboard().text('◀ Details', data.webhook(e.webhookId)));
  });

  onEdit(data.editSave, async (ctx, e) => {
    const saved = await core.webhooks.update(accountOf(ctx), e.webhookId, { deviceIds: e.deviceIds });
    ctx.session.editDevices = undefined;
    await show(ctx, savedLine('Devices', saved), new InlineKeyboard().text('🧪 Send test', data.testTargets(saved.webhookId)).text('◀ Details', data.webhook(saved.webhookId)));
  });

  c.command('cancel', async (ctx, next) => {
    if (!ctx.session.editDevices) return next();
    ctx.session.editDevices = undefined;
    await ctx.reply('Cancelled: nothing changed.');
  });

  return c;
}
