import { catalogue } from '../../core/catalogue/index.js';
import { Composer, InlineKeyboard } from 'grammy';
import type { SubscribedEvent } from '../../core/terms.js';
import { accountOf } from '../access.js';
import type { BotCore } from '../core.js';
import { data, group, pattern } from '../callbacks.js';
import type { AddDraft, BotContext } from '../context.js';
import { esc, plural } from '../html.js';
import { toggle } from '../render/devicePicker.js';
import { confirmScreen, devicesScreen, eventsScreen, namePrompt, secretPrompt, secretScreen, urlPrompt } from '../render/addScreens.js';
import { ack, ask, isFormAnswer, say, show } from '../ui.js';

/**
 * /add: the New webhook form as a conversation. Each answer is checked by core
 * (webhookDrafts) before the next step; a refusal is answered by the error boundary and the
 * step stays. The draft is the admin's own (per chat and user); nothing is written before
 * Save → test. Every step that wants text asks with force_reply, which is what reaches the
 * bot in a privacy-mode group.
 */
export function addFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  const draftOf = (ctx: BotContext): AddDraft | undefined => ctx.session.add;

  async function render(ctx: BotContext, d: AddDraft) {
    const devices = await core.devices.list(accountOf(ctx));
    const screen =
      d.step === 'devices'
        ? devicesScreen(d, devices)
        : d.step === 'events'
          ? eventsScreen(d, core.webhookDrafts.eventChoices())
          : d.step === 'secret'
            ? secretScreen()
            : confirmScreen(d, devices);
    // After a typed answer the form comes back below it, as a fresh message.
    if (ctx.callbackQuery) await show(ctx, screen.text, screen.keyboard);
    else ctx.session.add = { ...d, formMessageId: await say(ctx, screen.text, screen.keyboard) };
  }

  c.command('add', async (ctx) => {
    ctx.session.add = { step: 'name', tab: catalogue.channelIds()[0]!, deviceIds: [], events: [] };
    await ask(ctx, namePrompt(), 'Display name, for example CRM');
  });

  // Typed answers: name, URL, secret. Commands pass through, so /webhooks works mid-form.
  c.on('message:text', async (ctx, next) => {
    const d = draftOf(ctx);
    const text = ctx.message.text;
    if (!d || text.startsWith('/') || !isFormAnswer(ctx)) return next();
    if (d.step === 'name') {
      ctx.session.add = { ...d, name: core.webhookDrafts.name(text), step: 'url' };
      await ask(ctx, urlPrompt(), 'https://…');
    } else if (d.step === 'url') {
      const next = { ...d, url: await core.webhookDrafts.url(text), step: 'devices' as const };
      ctx.session.add = next;
      await render(ctx, next);
    } else if (d.step === 'secret') {
      const { secret, hint } = core.webhookDrafts.secret(text);
      const next = { ...d, secret, secretHint: hint, secretMessageId: ctx.message.message_id, step: 'confirm' as const };
      ctx.session.add = next;
      await render(ctx, next);
    } else {
      await ctx.reply('Use the buttons of the form above, or /cancel.');
    }
  });

  /** Button handlers of the form; a button of a finished or cancelled form does nothing. */
  const onForm = (trigger: string | RegExp, step: AddDraft['step'] | null, handle: (ctx: BotContext, d: AddDraft) => Promise<void>) =>
    c.callbackQuery(trigger, async (ctx) => {
      const d = draftOf(ctx);
      if (!d || (step && d.step !== step)) {
        await ack(ctx, 'This form is closed, or another admin started it: start your own with /add.');
        return;
      }
      await handle(ctx, d);
      await ack(ctx);
    });

  onForm(pattern.addTab, 'devices', async (ctx, d) => {
    const next = { ...d, tab: group(ctx.match, 1) as AddDraft['tab'], page: Number(group(ctx.match, 2)) };
    ctx.session.add = next;
    await render(ctx, next);
  });

  onForm(pattern.addDevice, 'devices', async (ctx, d) => {
    const id = group(ctx.match, 1).toLowerCase();
    const next = { ...d, deviceIds: toggle(d.deviceIds, id) };
    ctx.session.add = next;
    await render(ctx, next);
  });

  onForm(pattern.addEvent, 'events', async (ctx, d) => {
    const ev = group(ctx.match, 1) as SubscribedEvent;
    const next = { ...d, events: toggle(d.events, ev) as SubscribedEvent[] };
    ctx.session.add = next;
    await render(ctx, next);
  });

  onForm(data.addNext, null, async (ctx, d) => {
    const accountId = accountOf(ctx);
    let next: AddDraft;
    if (d.step === 'devices') {
      await core.webhookDrafts.devices(accountId, d.deviceIds);
      next = { ...d, step: 'events' };
    } else if (d.step === 'events') {
      next = { ...d, events: await core.webhookDrafts.events(accountId, { deviceIds: d.deviceIds, events: d.events }), step: 'secret' };
      ctx.session.add = next;
      await render(ctx, next);
      // The secret is typed: asked apart from the form, which keeps its Skip button.
      await ask(ctx, secretPrompt(), 'Signing secret');
      return;
    } else {
      return;
    }
    ctx.session.add = next;
    await render(ctx, next);
  });

  onForm(data.addSkip, 'secret', async (ctx, d) => {
    const next = { ...d, secret: null, secretHint: null, step: 'confirm' as const };
    ctx.session.add = next;
    await render(ctx, next);
  });

  onForm(data.addCancel, null, async (ctx, d) => {
    await forgetDraft(ctx, d);
    await show(ctx, 'Cancelled: nothing was saved.');
  });

  onForm(data.addSave, 'confirm', async (ctx, d) => {
    const saved = await core.webhooks.save(accountOf(ctx), {
      name: d.name ?? '',
      url: d.url ?? '',
      secret: d.secret ?? null,
      deviceIds: d.deviceIds,
      events: d.events,
    });
    await forgetDraft(ctx, d);
    const channels = saved.endpoints.map((e) => catalogue.channelLabel(e.channel)).join(', ');
    await show(
      ctx,
      `💾 Saved <b>${esc(d.name ?? '')}</b>: ${plural(saved.endpoints.length, 'endpoint')} (${esc(channels)}), all 🟡 Pending test.\nSend a test now: one success makes the whole batch Active.`,
      new InlineKeyboard().text('🧪 Send test', data.testTargets(saved.webhookId)),
    );
  });

  c.command('cancel', async (ctx, next) => {
    const d = draftOf(ctx);
    if (!d) return next();
    await forgetDraft(ctx, d);
    await ctx.reply('Cancelled: nothing was saved.');
  });

  /** Drops the draft, and the admin's message with the secret when there was one. */
  async function forgetDraft(ctx: BotContext, d: AddDraft) {
    ctx.session.add = undefined;
    if (d.secretMessageId === undefined || !ctx.chat) return;
    // Bots may delete users' messages in private chats (and in groups when admin); otherwise say so.
    const deleted = await ctx.api.deleteMessage(ctx.chat.id, d.secretMessageId).then(() => true, () => false);
    if (!deleted) await say(ctx, '⚠️ I could not delete your message with the signing secret: please delete it yourself.');
  }

  return c;
}
