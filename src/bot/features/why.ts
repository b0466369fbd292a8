import { Composer, InlineKeyboard } from 'grammy';
import type { TroubleshootCheck } from '../../core/diagnose/troubleshoot.js';
import type { Core } from '../../core/index.js';
import { SUBSCRIBABLE_EVENTS, type SubscribedEvent } from '../../core/terms.js';
import { accountOf } from '../access.js';
import { data, group, pattern } from '../callbacks.js';
import type { BotContext } from '../context.js';
import { esc } from '../html.js';
import { troubleshootCard } from '../render/troubleshoot.js';
import { ack, say, show } from '../ui.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /why <webhook name or id> [event]: core's troubleshooting checklist, run for every endpoint
 * of the webhook and every linked device (device checks are per device), one card.
 */
export function whyFeature(core: Core): Composer<BotContext> {
  const c = new Composer<BotContext>();

  /** The card is always a new message, so the alert or result it was asked from stays. */
  async function run(ctx: BotContext, webhookId: string, event: SubscribedEvent | null) {
    const accountId = accountOf(ctx);
    const endpoints = await core.webhooks.endpoints(accountId, webhookId);
    const sections = await Promise.all(
      endpoints.map(async (e) => {
        const deviceIds = e.devices.length ? e.devices.map((d) => d.id) : [null];
        const reports = await Promise.all(deviceIds.map((deviceId) => core.diagnose.troubleshoot(accountId, { endpointId: e.id, deviceId, event })));
        return { channel: e.channel, checks: dedupe(reports.flatMap((r) => r.checks)) };
      }),
    );
    const first = endpoints[0]!;
    const kb = new InlineKeyboard().text('🧪 Send test', data.testTargets(first.webhookId)).text('📜 Details', data.webhook(first.webhookId));
    await say(ctx, troubleshootCard(first.name, first.url, sections), kb);
  }

  c.command('why', async (ctx) => {
    const accountId = accountOf(ctx);
    const words = ctx.match.trim().split(/\s+/).filter(Boolean);
    const last = words[words.length - 1];
    const event = last && (SUBSCRIBABLE_EVENTS as readonly string[]).includes(last) ? (words.pop() as SubscribedEvent) : null;
    const query = words.join(' ');
    if (UUID.test(query)) return run(ctx, query, event);
    const page = await core.webhooks.list(accountId, { search: query || null, first: 10 });
    const exact = page.items.filter((w) => w.name.toLowerCase() === query.toLowerCase());
    const only = exact.length === 1 ? exact[0] : page.items.length === 1 && query ? page.items[0] : undefined;
    if (only) return run(ctx, only.id, event);
    if (!page.items.length) {
      await ctx.reply(query ? `No webhook matches "${query}". /webhooks lists them.` : 'No webhooks yet. Add one with /add.');
      return;
    }
    const kb = new InlineKeyboard();
    for (const w of page.items) kb.text(w.name.slice(0, 60), data.why(w.id)).row();
    await show(ctx, `🩺 Which webhook${query ? ` matching "${esc(query)}"` : ''}?`, kb);
  });

  c.callbackQuery(pattern.why, async (ctx) => {
    await ack(ctx, 'Checking…');
    await run(ctx, group(ctx.match, 1), null);
  });

  return c;
}

/** Endpoint-level checks come back once per device: keep each distinct finding once. */
function dedupe(checks: TroubleshootCheck[]): TroubleshootCheck[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const key = `${c.check}|${c.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
