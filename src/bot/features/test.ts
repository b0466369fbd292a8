import { Composer, InlineKeyboard } from 'grammy';
import type { Core } from '../../core/index.js';
import type { TestTarget } from '../../core/sendTest/targets.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import { esc } from '../html.js';
import { previewCard, resultCard } from '../render/testCard.js';
import { ack, say, show } from '../ui.js';

/** Buttons shown by /test; more targets are reached through a webhook's details. */
const LIST_MAX = 20;

/**
 * /test: pick a target (labelled as in the product), read the payload preview, Send test,
 * get the result card. Buttons name a target by webhook id and its position in that
 * webhook's list (a target id does not fit in a button); the preview shows the label, so
 * what is sent is what was read.
 */
export function testFeature(core: Core): Composer<BotContext> {
  const c = new Composer<BotContext>();

  /** From a button the list comes as a new message: the message it was on (saved, result) stays readable. */
  async function listTargets(ctx: BotContext, webhookId: string | null) {
    const all = await core.tests.targets(accountOf(ctx), webhookId ? { webhookId } : {});
    if (!all.length) {
      await say(ctx, 'No test targets: add a webhook first with /add.');
      return;
    }
    const shown = all.slice(0, LIST_MAX);
    const kb = new InlineKeyboard();
    shown.forEach((t, i) => {
      kb.text(String(i + 1), data.testPreview(t.webhookId, indexInWebhook(all, t)));
      if ((i + 1) % 5 === 0) kb.row();
    });
    const lines = shown.map((t, i) => `${i + 1}. ${esc(t.label)}`);
    const more = all.length > shown.length ? `\n… and ${all.length - shown.length} more: open a webhook in /webhooks and tap Send test.` : '';
    await say(ctx, ['🧪 <b>Choose a test target</b>', ...lines].join('\n') + more, kb);
  }

  async function target(ctx: BotContext, webhookId: string, index: number): Promise<TestTarget | null> {
    const t = (await core.tests.targets(accountOf(ctx), { webhookId }))[index];
    if (!t) await ack(ctx, 'That test target is gone: open /test again.');
    return t ?? null;
  }

  c.command('test', (ctx) => listTargets(ctx, null));

  c.callbackQuery(pattern.testTargets, async (ctx) => {
    await ack(ctx);
    await listTargets(ctx, group(ctx.match, 1));
  });

  c.callbackQuery(pattern.testPreview, async (ctx) => {
    const [webhookId, index] = [group(ctx.match, 1), Number(group(ctx.match, 2))];
    const t = await target(ctx, webhookId, index);
    if (!t) return;
    const detail = await core.tests.target(accountOf(ctx), t.id);
    const kb = new InlineKeyboard().text('🚀 Send test', data.testSend(webhookId, index)).text('◀ Targets', data.testTargets(webhookId));
    await show(ctx, previewCard(detail), kb);
    await ack(ctx);
  });

  c.callbackQuery(pattern.testSend, async (ctx) => {
    const [webhookId, index] = [group(ctx.match, 1), Number(group(ctx.match, 2))];
    const t = await target(ctx, webhookId, index);
    if (!t) return;
    // A test may take up to TEST_TIMEOUT_MS: stop the button's spinner first.
    await ack(ctx, 'Sending test…');
    const result = await core.tests.send(accountOf(ctx), t.id);
    const kb = new InlineKeyboard().text('🔁 Send again', data.testSend(webhookId, index)).text('🩺 Why?', data.why(webhookId));
    await say(ctx, `${esc(t.label)}\n${resultCard(result)}`, kb);
  });

  return c;
}

function indexInWebhook(all: TestTarget[], t: TestTarget): number {
  return all.filter((x) => x.webhookId === t.webhookId).indexOf(t);
}
