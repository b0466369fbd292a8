import { Composer, InlineKeyboard } from 'grammy';
import type { TestTarget } from '../../core/sendTest/targets.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { esc, shorten } from '../html.js';
import { previewCard, resultCard } from '../render/testCard.js';
import { ack, say, show } from '../ui.js';

/** Targets per page of the list (two rows of number buttons). */
const PAGE = 10;

/**
 * /test: pick a target (labelled as in the product), read the payload preview, Send test,
 * get the result card. Buttons name a target by webhook id and its position in that
 * webhook's list (a target id does not fit in a button); the preview shows the label, so
 * what is sent is what was read. Every target is reachable: the list pages.
 */
export function testFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  async function listTargets(ctx: BotContext, webhookId: string | null, page: number) {
    const all = await core.tests.targets(accountOf(ctx), webhookId ? { webhookId } : {});
    if (!all.length) {
      await show(ctx, 'No test targets: add a webhook first with /add.');
      return;
    }
    const pages = Math.ceil(all.length / PAGE);
    const index = Math.min(page, pages - 1);
    const shown = all.slice(index * PAGE, (index + 1) * PAGE);
    const kb = new InlineKeyboard();
    shown.forEach((t, i) => {
      kb.text(String(index * PAGE + i + 1), data.testPreview(t.webhookId, indexInWebhook(all, t)));
      if ((i + 1) % 5 === 0) kb.row();
    });
    kb.row();
    const at = (p: number) => (webhookId ? data.testTargets(webhookId, p) : data.testAll(p));
    if (index > 0) kb.text('◀ Previous', at(index - 1));
    if (index < pages - 1) kb.text('Next ▶', at(index + 1));
    const lines = shown.map((t, i) => `${index * PAGE + i + 1}. ${esc(shorten(t.label, 300))}`);
    const head = `🧪 <b>Choose a test target</b>${pages > 1 ? ` · page ${index + 1} of ${pages} (${all.length} targets)` : ''}`;
    await show(ctx, [head, ...lines].join('\n'), kb);
  }

  async function target(ctx: BotContext, webhookId: string, index: number): Promise<TestTarget | null> {
    const t = (await core.tests.targets(accountOf(ctx), { webhookId }))[index];
    if (!t) await ack(ctx, 'That test target is gone: open /test again.');
    return t ?? null;
  }

  c.command('test', (ctx) => listTargets(ctx, null, 0));

  c.callbackQuery(pattern.testAll, async (ctx) => {
    await ack(ctx);
    await listTargets(ctx, null, Number(group(ctx.match, 1)));
  });

  c.callbackQuery(pattern.testTargets, async (ctx) => {
    await ack(ctx);
    await listTargets(ctx, group(ctx.match, 1), Number(group(ctx.match, 2)));
  });

  c.callbackQuery(pattern.testPreview, async (ctx) => {
    const [webhookId, index] = [group(ctx.match, 1), Number(group(ctx.match, 2))];
    const t = await target(ctx, webhookId, index);
    if (!t) return;
    const detail = await core.tests.target(accountOf(ctx), t.id);
    const kb = new InlineKeyboard().text('🚀 Send test', data.testSend(webhookId, index)).text('◀ Targets', data.testTargets(webhookId, Math.floor(index / PAGE)));
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
    // The label as it stands after the test: a success has made the target Active.
    const after = (await core.tests.targets(accountOf(ctx), { webhookId })).find((x) => x.id === t.id) ?? t;
    const kb = new InlineKeyboard().text('🔁 Send again', data.testSend(webhookId, index)).text('🩺 Why?', data.why(webhookId));
    await say(ctx, `${esc(shorten(after.label, 500))}\n${resultCard(result)}`, kb);
  });

  return c;
}

function indexInWebhook(all: TestTarget[], t: TestTarget): number {
  return all.filter((x) => x.webhookId === t.webhookId).indexOf(t);
}
