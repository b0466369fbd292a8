import { Composer, InlineKeyboard } from 'grammy';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import type { BotCore } from '../core.js';
import { code, esc, shorten, when } from '../html.js';
import { deliveryLines } from '../render/delivery.js';
import { ack, say, show } from '../ui.js';

/**
 * What a webhook asks of its POSTs, from the chat:
 *   /headers <webhook>                       shows them
 *   /headers <webhook>⏎Name: value⏎…         replaces them (a line "none" removes them all)
 *   /ratelimit <webhook> <per second | off>
 *   /rotatekey <webhook>                     asks, then shows the new key once
 * Every rule (names refused, limits, the overlap) is core's.
 */
export function deliveryFeature(core: BotCore): Composer<BotContext> {
  const c = new Composer<BotContext>();

  /** The webhook the words name, or a reply saying which ones they could mean. */
  async function webhookNamed(ctx: BotContext, words: string): Promise<string | null> {
    const found = await core.webhooks.find(accountOf(ctx), words);
    if (found.webhookId) return found.webhookId;
    const choices = found.choices.map((w) => `• ${esc(w.name)} (${code(w.id)})`).join('\n');
    await say(ctx, found.choices.length ? `Which webhook? Send the command again with its exact name or id:\n${choices}` : `No webhook matches "${esc(shorten(words, 100))}". /webhooks lists them.`);
    return null;
  }

  c.command('headers', async (ctx) => {
    const [first = '', ...lines] = ctx.match.split('\n');
    const webhookId = await webhookNamed(ctx, first.trim());
    if (!webhookId) return;
    const accountId = accountOf(ctx);
    const given = lines.map((l) => l.trim()).filter(Boolean);
    if (!given.length) {
      const s = await core.webhooks.settings(accountId, webhookId);
      await say(ctx, [...deliveryLines(s), '', 'To set them: /headers &lt;webhook&gt;, then one "Name: value" per line ("none" removes them).'].join('\n'));
      return;
    }
    const headers = given.length === 1 && given[0]!.toLowerCase() === 'none' ? [] : given.map(headerLine);
    const s = await core.webhooks.setHeaders(accountId, webhookId, headers);
    await say(ctx, [`✅ Custom headers saved: sent on every POST, live and test.`, ...deliveryLines(s)].join('\n'));
  });

  c.command('ratelimit', async (ctx) => {
    const words = ctx.match.trim().split(/\s+/).filter(Boolean);
    const last = words.pop() ?? '';
    const webhookId = await webhookNamed(ctx, words.join(' '));
    if (!webhookId) return;
    // A number as typed (NaN for words) goes to core, which says what is wrong with it.
    const perSecond = /^(off|none)$/i.test(last) ? null : Number(last);
    const s = await core.webhooks.setRateLimit(accountOf(ctx), webhookId, perSecond);
    await say(ctx, [`✅ Rate limit ${s.rateLimit === null ? 'removed' : 'saved: deliveries beyond it wait their turn, none is dropped'}.`, ...deliveryLines(s)].join('\n'));
  });

  async function askRotate(ctx: BotContext, webhookId: string) {
    const [first] = await core.webhooks.endpoints(accountOf(ctx), webhookId);
    const kb = new InlineKeyboard().text('Yes, rotate', data.rotateConfirm(first!.webhookId)).text('Cancel', data.webhook(first!.webhookId));
    await show(ctx, `Rotate the signing key of <b>${esc(first!.name)}</b>? The new key is shown once; the current one keeps signing next to it for a while, so your receiver can switch without failures.`, kb);
  }

  c.command('rotatekey', async (ctx) => {
    const webhookId = await webhookNamed(ctx, ctx.match.trim());
    if (webhookId) await askRotate(ctx, webhookId);
  });
  c.callbackQuery(pattern.rotateAsk, async (ctx) => {
    await ack(ctx);
    await askRotate(ctx, group(ctx.match, 1));
  });

  c.callbackQuery(pattern.rotateConfirm, async (ctx) => {
    const r = await core.webhooks.rotateSigningKey(accountOf(ctx), group(ctx.match, 1));
    await ack(ctx, 'Rotated');
    await show(
      ctx,
      [`🔑 New signing key (shown once, keep it now):`, code(r.signingKey), '', `Every POST carries both signatures until ${when(r.previousKeyUntil!)}; after that only this key signs.`].join('\n'),
      new InlineKeyboard().text('◀ Details', data.webhook(r.webhookId)),
    );
  });

  return c;
}

/** "X-Api-Key: abc" → the pair; a line without a colon is a name with an empty value (core refuses what it must). */
function headerLine(line: string): { name: string; value: string } {
  const i = line.indexOf(':');
  return i < 0 ? { name: line, value: '' } : { name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() };
}
