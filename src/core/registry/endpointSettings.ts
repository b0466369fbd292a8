import { z } from 'zod';
import type { Endpoint } from '../../db/entities/index.js';
import { inTransaction } from '../../db/transaction.js';
import type { CoreContext } from '../context.js';
import { newSigningKey } from '../security/secrets.js';
import { parseInput } from '../validate.js';
import { headerHint, parseCustomHeaders, type CustomHeader } from './customHeaders.js';
import { loadWebhookEndpoints } from './webhooks.js';

/**
 * What a webhook asks of its POSTs beyond the form: custom headers, a rate limit, and its
 * signing key's rotation. Set on the whole webhook (every endpoint of it); the rate limit holds
 * for each endpoint (one channel's part), the unit a delivery lane serves.
 */
export interface DeliverySettings {
  webhookId: string;
  customHeaders: Array<{ name: string; valueHint: string }>;
  /** Most deliveries per second to each endpoint of the webhook; null = no limit. */
  rateLimit: number | null;
  /** Until when the rotated-out key still signs next to the current one; null = no overlap now. */
  previousKeyUntil: Date | null;
}

export interface RotationResult extends DeliverySettings {
  /** The new `whsec_…` key: shown here, on rotation. */
  signingKey: string;
}

export const RATE_LIMIT_MAX = 10_000;

const rateSchema = z.object({
  perSecond: z
    .number({ message: 'must be a whole number of deliveries per second, or null for no limit' })
    .int('must be a whole number of deliveries per second')
    .min(1, 'must be at least 1 (or null for no limit)')
    .max(RATE_LIMIT_MAX, `must be at most ${RATE_LIMIT_MAX}`)
    .nullable(),
});

/** The rotated-out key, while it still signs (`now` before its end). */
export function previousKeyInUse(e: Pick<Endpoint, 'previousSigningKey' | 'previousSigningKeyUntil'>, now: Date): string | null {
  return e.previousSigningKey && e.previousSigningKeyUntil && e.previousSigningKeyUntil > now ? e.previousSigningKey : null;
}

/** The settings as they may be shown (header values as hints, no key). */
export function deliverySettings(e: Endpoint, now: Date): DeliverySettings {
  return {
    webhookId: e.webhookId,
    customHeaders: e.customHeaders.map(headerHint),
    rateLimit: e.rateLimit ?? null,
    previousKeyUntil: previousKeyInUse(e, now) ? e.previousSigningKeyUntil! : null,
  };
}

/** The settings a webhook's new endpoint takes from its existing ones. */
export function inheritedSettings(e: Endpoint): Pick<Endpoint, 'customHeaders' | 'rateLimit' | 'previousSigningKey' | 'previousSigningKeyUntil'> {
  return { customHeaders: e.customHeaders, rateLimit: e.rateLimit ?? null, previousSigningKey: e.previousSigningKey ?? null, previousSigningKeyUntil: e.previousSigningKeyUntil ?? null };
}

export async function getDeliverySettings(ctx: CoreContext, accountId: string, webhookId: string): Promise<DeliverySettings> {
  const [first] = await loadWebhookEndpoints(ctx.db.orm.em.fork(), accountId, webhookId);
  return deliverySettings(first!, ctx.now());
}

/** Replaces the webhook's custom headers (an empty list removes them). Checked before anything is read. */
export async function setCustomHeaders(ctx: CoreContext, accountId: string, webhookId: string, headers: CustomHeader[]): Promise<DeliverySettings> {
  const parsed = parseCustomHeaders(headers);
  return update(ctx, accountId, webhookId, (e) => (e.customHeaders = parsed));
}

/** Sets (or, with null, removes) the webhook's rate limit; waiting deliveries keep their place. */
export async function setRateLimit(ctx: CoreContext, accountId: string, webhookId: string, perSecond: number | null): Promise<DeliverySettings> {
  const parsed = parseInput(rateSchema, { perSecond }).perSecond;
  return update(ctx, accountId, webhookId, (e) => (e.rateLimit = parsed));
}

/**
 * A new signing key for the webhook. The current key keeps signing next to it for the overlap
 * (SIGNING_KEY_OVERLAP), so receivers verifying with either accept every POST meanwhile;
 * afterwards only the new one signs. Rotating again during an overlap retires the oldest key
 * at once: two keys at most.
 */
export async function rotateSigningKey(ctx: CoreContext, accountId: string, webhookId: string): Promise<RotationResult> {
  const signingKey = newSigningKey();
  const until = new Date(ctx.now().getTime() + ctx.config.delivery.signingKeyOverlapMs);
  const settings = await update(ctx, accountId, webhookId, (e) => {
    Object.assign(e, { previousSigningKey: e.signingKey, previousSigningKeyUntil: until, signingKey });
  });
  return { ...settings, signingKey };
}

async function update(ctx: CoreContext, accountId: string, webhookId: string, change: (e: Endpoint) => void): Promise<DeliverySettings> {
  return inTransaction(ctx.db, async ({ em }) => {
    const endpoints = await loadWebhookEndpoints(em, accountId, webhookId);
    for (const e of endpoints) {
      change(e);
      e.updatedAt = ctx.now();
    }
    await em.flush();
    return deliverySettings(endpoints[0]!, ctx.now());
  });
}
