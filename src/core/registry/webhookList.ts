import { catalogue } from '../catalogue/index.js';
import { IsolationLevel } from '@mikro-orm/core';
import { Endpoint } from '../../db/entities/index.js';
import { inTransaction } from '../../db/transaction.js';
import { webhookPage, webhookSummary } from '../../db/sql/webhookPage.js';
import type { CoreContext } from '../context.js';
import { invalid } from '../errors.js';
import { decodeCursor, pageSize, toPage, type Page } from '../pagination.js';
import { secretHint } from '../security/secrets.js';
import type { Channel, EndpointStatus, SubscribedEvent } from '../terms.js';
import { refuseHiddenCharacters } from '../text.js';
import { deliverySettings, type DeliverySettings } from './endpointSettings.js';
import { endpointView, getWebhookEndpoints, type EndpointView } from './webhooks.js';
import { isUuid } from './accounts.js';

/** One row of Webhooks → Webhook: a logical webhook, whatever number of endpoints it has. */
export interface WebhookRow {
  id: string;
  name: string;
  url: string;
  /** One channel, or "mixed" when the URL spans several ("Mixed channels" on screen). */
  channel: Channel | 'mixed';
  channels: Channel[];
  deviceCount: number;
  events: SubscribedEvent[];
  /** Disabled when any endpoint of the webhook is disabled; else Active only when every endpoint is active. */
  status: EndpointStatus;
  secretHint: string | null;
  endpoints: EndpointView[];
  createdAt: Date;
  /** Custom headers (as hints), rate limit, signing-key overlap. */
  delivery: DeliverySettings;
}

export interface WebhookSummary {
  /** Webhooks (distinct name + URL + secret, as the product counts them): the list's rows. */
  webhooks: number;
  /** Device attachments over all endpoints. */
  deviceLinks: number;
  /** Active endpoints. */
  active: number;
  /** Disabled endpoints. */
  disabled: number;
  endpoints: number;
}

export const SEARCH_MIN = 3;
const SEARCH_MAX = 200;

export async function listWebhooks(
  ctx: CoreContext,
  accountId: string,
  opts: { search?: string | null; first?: number | null; after?: string | null } = {},
): Promise<Page<WebhookRow>> {
  const search = opts.search?.trim() || null;
  if (search !== null && search.length < SEARCH_MIN) throw invalid('search', `type at least ${SEARCH_MIN} characters`);
  if (search !== null) refuseHiddenCharacters('search', search);
  if (search !== null && search.length > SEARCH_MAX) throw invalid('search', `must be at most ${SEARCH_MAX} characters`);
  const limit = pageSize(opts.first);
  const filter = { search };
  const after = decodeCursor(opts.after, filter, 2) as [string, string] | null;
  const pattern = search === null ? null : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // The page's keys (grouped SQL, keyset) and its rows (entities with their devices) from one
  // snapshot: a webhook deleted or edited in between cannot leave a key without its rows.
  const { keys, endpoints } = await inTransaction(
    ctx.db,
    async ({ em, sql }) => {
      const keys = await webhookPage(sql, { accountId, search: pattern, after, limit: limit + 1 });
      const endpoints = keys.length
        ? await em.find(Endpoint, { account: accountId, webhookId: { $in: keys.map((k) => k.webhook_id) } }, { populate: ['devices'], orderBy: { channel: 'asc' } })
        : [];
      return { keys, endpoints };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
  );
  const rows = keys.map((k) => ({ key: k, row: toRow(endpoints.filter((e) => e.webhookId === k.webhook_id), ctx.now()) }));
  const page = toPage(rows, limit, (r) => [r.key.created_at, r.key.webhook_id], filter);
  return { ...page, items: page.items.map((r) => r.row) };
}

const CHOICES = 10;

/**
 * A webhook named by a person: its id, its exact name (any case), or the only webhook whose
 * name contains the words. Otherwise the candidates to choose from (at most ten; none when
 * nothing matches).
 */
export async function findWebhook(ctx: CoreContext, accountId: string, query: string): Promise<{ webhookId: string | null; choices: Array<{ id: string; name: string }> }> {
  const q = query.trim();
  if (isUuid(q)) {
    const [endpoint] = await getWebhookEndpoints(ctx, accountId, q);
    return { webhookId: endpoint!.webhookId, choices: [] };
  }
  const page = await listWebhooks(ctx, accountId, { search: q.length >= SEARCH_MIN ? q : null, first: CHOICES });
  const rows = page.items.map((w) => ({ id: w.id, name: w.name }));
  const exact = rows.filter((w) => w.name.toLowerCase() === q.toLowerCase());
  if (exact.length === 1) return { webhookId: exact[0]!.id, choices: [] };
  if (q.length >= SEARCH_MIN && rows.length === 1) return { webhookId: rows[0]!.id, choices: [] };
  return { webhookId: null, choices: rows };
}

/** How the list names a webhook's channels: the channel's label, or "Mixed channels". */
export function channelsLabel(w: Pick<WebhookRow, 'channel'>): string {
  return w.channel === 'mixed' ? 'Mixed channels' : catalogue.channelLabel(w.channel);
}

export function summarizeWebhooks(ctx: CoreContext, accountId: string): Promise<WebhookSummary> {
  return webhookSummary(ctx.db.pool, accountId);
}

function toRow(endpoints: Endpoint[], now: Date): WebhookRow {
  const first = endpoints[0]!;
  const channels = [...new Set(endpoints.map((e) => e.channel))];
  const events = [...new Set(endpoints.flatMap((e) => e.events))];
  return {
    id: first.webhookId,
    name: first.name,
    url: first.url,
    channel: channels.length === 1 ? channels[0]! : 'mixed',
    channels,
    deviceCount: endpoints.reduce((n, e) => n + e.devices.count(), 0),
    events,
    status: rowStatus(endpoints),
    secretHint: secretHint(first.secret),
    endpoints: endpoints.map(endpointView),
    createdAt: endpoints.reduce((min, e) => (e.createdAt < min ? e.createdAt : min), first.createdAt),
    delivery: deliverySettings(first, now),
  };
}

/** What the row says: a disabled endpoint needs attention first; Active means all of them are. */
function rowStatus(endpoints: Endpoint[]): EndpointStatus {
  if (endpoints.some((e) => e.status === 'disabled')) return 'disabled';
  return endpoints.every((e) => e.status === 'active') ? 'active' : 'pending_test';
}
