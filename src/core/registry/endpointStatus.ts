import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Endpoint } from '../../db/entities/index.js';
import {
  disableEndpointRows,
  disableFailingEndpointRows,
  enableEndpointRows,
  makeKeptDeliveriesDue,
  type ChangedEndpoint,
} from '../../db/sql/endpointDisable.js';
import { inTransaction, withTransaction, type Queryable } from '../../db/transaction.js';
import type { CoreContext } from '../context.js';
import { notFound } from '../errors.js';
import { uuidOrNil } from './accounts.js';
import { announce, getWebhookEndpoints, type EndpointView } from './webhooks.js';

/**
 * Disabled: an endpoint that gets no live traffic until an admin enables it, with why and
 * since when.
 *
 * - `gone`: its receiver answered 410 Gone (the worker, after that one POST; no retry).
 * - `failing`: every live attempt failed for DISABLE_FAILING_AFTER (default 5 days) with at
 *   least DISABLE_FAILING_MIN_ATTEMPTS failed attempts (the alert policy's episode, so one
 *   failure of a quiet endpoint never disables it).
 * - `manual`: an admin disabled it.
 *
 * Deliveries queued for it are kept (their lane is inactive, as for Pending test) and new
 * events are not queued for it, as for Pending test. Enabling puts it to Pending test (a test
 * proves the receiver is back), or straight to Active when the admin says so; either way what
 * was kept is due at once, and Redeliver failed brings back what had failed for good.
 * Every change is announced (endpointStatusChanged) in the transaction that makes it.
 */

/** Endpoints addressed by a door: an endpoint id names that endpoint, a webhook id all of its endpoints. */
async function addressed(ctx: CoreContext, accountId: string, id: string): Promise<{ webhookId: string; ids: string[] }> {
  const em = ctx.db.orm.em.fork();
  const key = uuidOrNil(id);
  const one = await em.findOne(Endpoint, { account: accountId, id: key });
  if (one) return { webhookId: one.webhookId, ids: [one.id] };
  const all = await em.find(Endpoint, { account: accountId, webhookId: key });
  if (!all.length) throw notFound('webhook', 'id');
  return { webhookId: key, ids: all.map((e) => e.id) };
}

async function announceChanged(sql: Queryable, rows: ChangedEndpoint[]): Promise<void> {
  for (const r of rows) {
    // A connection the ORM lent parses timestamps as text; the pool's as dates.
    const disabledAt = r.disabled_at === null ? null : new Date(r.disabled_at);
    await announce(sql, r.account_id, [{ id: r.id, webhookId: r.webhook_id, status: r.status, disabledReason: r.disabled_reason, disabledAt }]);
  }
}

/** An admin disables a webhook (every endpoint of it) or one endpoint. Already disabled ones keep their reason. */
export async function disableWebhook(ctx: CoreContext, accountId: string, id: string): Promise<EndpointView[]> {
  const target = await addressed(ctx, accountId, id);
  await inTransaction(ctx.db, async ({ sql }) => {
    await announceChanged(sql, await disableEndpointRows(sql, target.ids, 'manual'));
  });
  return getWebhookEndpoints(ctx, accountId, target.webhookId);
}

/**
 * Enables the disabled endpoints of a webhook (or one endpoint): Pending test in a new batch
 * (one successful Send test activates them), or Active at once with `activate: true`.
 */
export async function enableWebhook(ctx: CoreContext, accountId: string, id: string, opts: { activate?: boolean | null } = {}): Promise<EndpointView[]> {
  const target = await addressed(ctx, accountId, id);
  await inTransaction(ctx.db, async ({ sql }) => {
    const rows = await enableEndpointRows(sql, { accountId, ids: target.ids, activate: opts.activate === true, batchId: randomUUID() });
    await makeKeptDeliveriesDue(sql, rows.map((r) => r.id));
    await announceChanged(sql, rows);
  });
  return getWebhookEndpoints(ctx, accountId, target.webhookId);
}

/** The worker heard 410 Gone from an endpoint: disabled at once. */
export async function disableGoneEndpoint(pool: pg.Pool, endpointId: string): Promise<ChangedEndpoint[]> {
  return withTransaction(pool, async (client) => {
    const rows = await disableEndpointRows(client, [endpointId], 'gone');
    await announceChanged(client, rows);
    return rows;
  });
}

/** The auto-disable policy's settings. */
export interface FailingPolicy {
  /** Every live attempt failed for this long, ms. @default 5 days */
  afterMs: number;
  /** And at least this many failed attempts in that time. @default 10 */
  minFailures: number;
}

export const DEFAULT_FAILING_POLICY: FailingPolicy = { afterMs: 5 * 86_400_000, minFailures: 10 };

/**
 * Inside the alert policy's transaction (its episode state just saved): disables the Active
 * endpoints among `endpointIds` that have failed for long enough.
 */
export async function disableFailingEndpoints(client: Queryable, endpointIds: string[], policy: FailingPolicy): Promise<ChangedEndpoint[]> {
  const rows = await disableFailingEndpointRows(client, endpointIds, policy.afterMs, policy.minFailures);
  await announceChanged(client, rows);
  return rows;
}
