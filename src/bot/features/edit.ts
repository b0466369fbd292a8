import { catalogue } from '../../core/catalogue/index.js';
import { Composer, InlineKeyboard } from 'grammy';
import type { SaveResult } from '../../core/registry/webhooks.js';
import type { SubscribedEvent } from '../../core/terms.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext, EditField } from '../context.js';
import type { BotCore } from '../core.js';
import { esc, note } from '../html.js';
import { toggle } from '../render/devicePicker.js';
import { savedLine } from '../render/saved.js';
import { ack, ask, isFormAnswer, say, show } from '../ui.js';

const LABELS: Record<EditField['field'], string> = { name: 'Name', url: 'URL', secret: 'Signing secret', events: 'Events' };

/**
 * ✏️ Edit from a webhook's details: name, URL, events or signing secret, one at a time, through
 * core's edit (an omitted field keeps what is stored, the secret included). The same rules as
 * saving: an edit of URL, secret or events puts the changed endpoints back to Pending test.
 */
export function editFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  const afterSave = (saved: SaveResult) =>
    new InlineKeyboard().text('🧪 Send test', data.testTargets(saved.webhookId)).text('◀ Details', data.webhook(saved.webhookId));

  async function eventsScreen(ctx: BotContext, e: EditField, stored: SubscribedEvent[]) {
    const kb = new InlineKeyboard();
    for (const ev of core.webhookDrafts.eventChoices(stored)) kb.text(`${e.events?.includes(ev) ? '✅' : '⬜'} ${catalogue.eventLabel(ev)}`, data.editEvent(ev)).row();
    kb.text('💾 Save → test', data.editEventsSave).text('Cancel', data.editFieldCancel);
    await show(ctx, `<b>Edit events</b>\nCheck the events this webhook receives${note(catalogue.producerNote())}.`, kb);
  }

  c.callbackQuery(pattern.editMenu, async (ctx) => {
    const [first] = await core.webhooks.endpoints(accountOf(ctx), group(ctx.match, 1));
    const id = first!.webhookId;
    const kb = new InlineKeyboard()
      .text('Name', data.editField('name', id))
      .text('URL', data.editField('url', id))
      .row()
      .text('Events', data.editField('events', id))
      .text('Signing secret', data.editField('secret', id))
      .row()
      .text('📱 Devices', data.editDevices(id))
      .text('◀ Details', data.webhook(id));
    await show(ctx, `<b>Edit ${esc(first!.name)}</b>\nWhat do you want to change? Changing the URL, secret, devices or events asks for a new test.`, kb);
    await ack(ctx);
  });

  c.callbackQuery(pattern.editField, async (ctx) => {
    const field = group(ctx.match, 1) as EditField['field'];
    const endpoints = await core.webhooks.endpoints(accountOf(ctx), group(ctx.match, 2));
    const first = endpoints[0]!;
    ctx.session.add = undefined;
    await ack(ctx);
    if (field === 'events') {
      const stored = [...new Set(endpoints.flatMap((e) => e.events))];
      const e: EditField = { webhookId: first.webhookId, field, events: stored };
      ctx.session.edit = e;
      await eventsScreen(ctx, e, stored);
      return;
    }
    ctx.session.edit = { webhookId: first.webhookId, field };
    if (field === 'secret') {
      await show(
        ctx,
        `<b>Edit signing secret</b> of ${esc(first.name)}\nNow: ${first.secretHint ? esc(first.secretHint) : 'none'}. Reply with the new secret (I delete your message once saved), or:`,
        new InlineKeyboard().text('🚫 No secret', data.editNoSecret).text('Cancel', data.editFieldCancel),
      );
      await ask(ctx, '🔐 Reply to this message with the new signing secret.', 'Signing secret');
      return;
    }
    const now = field === 'name' ? first.name : first.url;
    await ask(ctx, `✏️ Reply with the new ${LABELS[field].toLowerCase()} of <b>${esc(first.name)}</b>.\nNow: ${esc(now)}\n/cancel keeps it.`, LABELS[field]);
  });

  c.on('message:text', async (ctx, next) => {
    const e = ctx.session.edit;
    const text = ctx.message.text;
    if (!e || e.field === 'events' || text.startsWith('/') || !isFormAnswer(ctx)) return next();
    const accountId = accountOf(ctx);
    let saved: SaveResult;
    if (e.field === 'secret') {
      saved = await core.webhooks.update(accountId, e.webhookId, { secret: text });
      const gone = ctx.chat && (await ctx.api.deleteMessage(ctx.chat.id, ctx.message.message_id).then(() => true, () => false));
      if (!gone) await say(ctx, '⚠️ I could not delete your message with the signing secret: please delete it yourself.');
    } else if (e.field === 'name') {
      saved = await core.webhooks.update(accountId, e.webhookId, { name: core.webhookDrafts.name(text) });
    } else {
      saved = await core.webhooks.update(accountId, e.webhookId, { url: await core.webhookDrafts.url(text) });
    }
    ctx.session.edit = undefined;
    await say(ctx, savedLine(LABELS[e.field], saved), afterSave(saved));
  });

  /** Buttons of an open edit; those of a saved or cancelled one do nothing. */
  const onEdit = (trigger: string | RegExp, handle: (ctx: BotContext, e: EditField) => Promise<void>) =>
    c.callbackQuery(trigger, async (ctx) => {
      const e = ctx.session.edit;
      if (!e) {
        await ack(ctx, 'This edit is closed, or another admin opened it. Open the webhook again from /webhooks.');
        return;
      }
      await handle(ctx, e);
      await ack(ctx);
    });

  onEdit(pattern.editEvent, async (ctx, e) => {
    if (e.field !== 'events') return;
    const endpoints = await core.webhooks.endpoints(accountOf(ctx), e.webhookId);
    const next = { ...e, events: toggle(e.events ?? [], group(ctx.match, 1)) as SubscribedEvent[] };
    ctx.session.edit = next;
    await eventsScreen(ctx, next, [...new Set(endpoints.flatMap((x) => x.events))]);
  });

  onEdit(data.editEventsSave, async (ctx, e) => {
    if (e.field !== 'events') return;
    const saved = await core.webhooks.update(accountOf(ctx), e.webhookId, { events: e.events ?? [] });
    ctx.session.edit = undefined;
    await show(ctx, savedLine('Events', saved), afterSave(saved));
  });

  onEdit(data.editNoSecret, async (ctx, e) => {
    if (e.field !== 'secret') return;
    const saved = await core.webhooks.update(accountOf(ctx), e.webhookId, { removeSecret: true });
    ctx.session.edit = undefined;
    await show(ctx, savedLine('Signing secret', saved), afterSave(saved));
  });

  onEdit(data.editFieldCancel, async (ctx, e) => {
    ctx.session.edit = undefined;
    await show(ctx, 'Nothing changed.', new InlineKeyboard().text('◀ Details', data.webhook(e.webhookId)));
  });

  c.command('cancel', async (ctx, next) => {
    const e = ctx.session.edit;
    if (!e) return next();
    ctx.session.edit = undefined;
    await ctx.reply('Cancelled: nothing changed.');
  });

  return c;
}
