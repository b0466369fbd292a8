import { z } from 'zod';
import type { CoreContext } from '../context.js';
import { invalid } from '../errors.js';
import { checkTarget, parseTargetUrl } from '../security/urlGuard.js';
import { catalogue } from '../catalogue/index.js';
import type { Channel, SubscribedEvent } from '../terms.js';
import { displayName, visibleText } from '../text.js';
import { parseInput } from '../validate.js';

/** What a person fills in on the New webhook modal (and the edit dialog). */
export interface WebhookInput {
  name: string;
  url: string;
  /** Optional signing secret, sent as X-Webhook-Secret. Empty or null: none. */
  secret?: string | null;
  deviceIds: string[];
  events: SubscribedEvent[];
}

export const SECRET_MAX = 512;

const schema = z.object({
  name: displayName(100),
  url: visibleText,
  secret: z
    .string()
    .max(SECRET_MAX, `must be at most ${SECRET_MAX} characters`)
    // Sent as a header value: printable ASCII only, or the POST itself would fail.
    .regex(/^[\x20-\x7e]*$/, 'may contain only printable ASCII characters (it is sent as an HTTP header)')
    .nullish()
    .transform((v) => (v ? v.trim() : null) || null),
  deviceIds: z
    .array(z.string(), { message: 'must be a list of device ids' })
    .min(1, 'select at least one device')
    .max(500, 'at most 500 devices per webhook')
    .refine((ids) => new Set(ids).size === ids.length, 'lists a device twice'),
  events: z
    .array(catalogue.subscribedEventSchema, { message: 'must be a list of events' })
    .min(1, 'check at least one event')
    .superRefine((evs, ctx) => {
      // Runs even when an item was refused; unknown names are that item's error, not this one.
      const typeOf = (e: string) => (catalogue.isSubscribedEvent(e) ? catalogue.eventTypeOf(e) : e);
      const twice = evs.find((e, i) => evs.findIndex((o) => typeOf(o) === typeOf(e)) !== i);
      if (twice === undefined) return;
      const type = typeOf(twice);
      const also = twice === type ? '' : ` (${twice} is the legacy name of ${type}: they are the same event)`;
      ctx.addIssue({ code: 'custom', message: `lists ${type} twice${also}` });
    }),
});

export type ParsedWebhookInput = z.output<typeof schema> & { url: string };

/** Shape and URL checks (including the URL guard), before any device is looked up. */
export async function parseWebhookInput(ctx: CoreContext, input: WebhookInput): Promise<ParsedWebhookInput> {
  const parsed = parseInput(schema, input);
  return { ...parsed, url: await guardedUrl(ctx, parsed.url) };
}

/**
 * An edit: only the parts it names change; an omitted (or null) part keeps what is stored.
 * The secret is never shown again after saving, so a client cannot send it back: omitting it
 * keeps it, and removing it is a choice of its own (`removeSecret`).
 */
export interface WebhookPatch {
  name?: string | null;
  url?: string | null;
  /** A new signing secret. Omitted or null: the stored one stays. */
  secret?: string | null;
  /** true: the webhook has no signing secret from now on. */
  removeSecret?: boolean | null;
  deviceIds?: string[] | null;
  events?: SubscribedEvent[] | null;
}

export interface ParsedWebhookPatch {
  name?: string;
  url?: string;
  /** undefined: keep the stored secret; null: remove it; a string: the new one. */
  secret?: string | null;
  deviceIds?: string[];
  events?: SubscribedEvent[];
}

const present = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

const patchSchema = schema.partial();

export async function parseWebhookPatch(ctx: CoreContext, patch: WebhookPatch): Promise<ParsedWebhookPatch> {
  const given = Object.fromEntries(Object.entries(patch).filter(([k, v]) => k !== 'removeSecret' && present(v)));
  const parsed = parseInput(patchSchema, given);
  const out: ParsedWebhookPatch = { name: parsed.name, deviceIds: parsed.deviceIds, events: parsed.events };
  if (parsed.url !== undefined) out.url = await guardedUrl(ctx, parsed.url);
  if (present(patch.secret)) {
    if (patch.removeSecret) throw invalid('removeSecret', 'set a new secret or remove it, not both');
    if (!parsed.secret) throw invalid('secret', 'must not be empty: omit it to keep the stored secret, or remove the secret explicitly');
    out.secret = parsed.secret;
  } else if (patch.removeSecret) out.secret = null;
  return out;
}

/** The URL as it will be saved (normalised), after the URL guard. */
export async function guardedUrl(ctx: CoreContext, raw: string): Promise<string> {
  const url = parseTargetUrl(raw);
  await checkTarget(url, ctx.targets);
  return url.toString();
}

/**
 * The events an endpoint of one channel stores: those its channel produces (the catalogue's
 * producer rule), so an event only some channels produce is kept on their endpoints alone.
 * An event none of the chosen channels produces, or a channel left with no event (it would
 * receive nothing), is refused rather than saved silently.
 */
export function eventsForChannel(channel: Channel, events: SubscribedEvent[], channels: Channel[]): SubscribedEvent[] {
  for (const e of events) {
    const type = catalogue.eventTypeOf(e);
    if (channels.some((c) => catalogue.channelProduces(c, type).ok)) continue;
    const label = catalogue.eventLabel(type);
    const only = catalogue.producingLabels(type);
    throw invalid('events', `${label} is sent only for ${only} devices: link a ${only} device or uncheck ${label}`);
  }
  const kept = events.filter((e) => catalogue.channelProduces(channel, catalogue.eventTypeOf(e)).ok);
  if (kept.length === 0) {
    const dropped = events.map((e) => `${catalogue.eventLabel(catalogue.eventTypeOf(e))} is ${catalogue.producingLabels(catalogue.eventTypeOf(e))} only`);
    throw invalid(
      'events',
      `the ${catalogue.channelLabel(channel)} devices would receive no event: ${dropped.join(', ')}; also check an event ${catalogue.channelLabel(channel)} devices send, or link only devices that send the checked events`,
    );
  }
  return kept;
}


/**
 * The events a webhook form offers: every current name, plus a legacy name the webhook
 * already stores (so editing a legacy endpoint keeps what its receiver routes on).
 */
export function eventChoices(stored: readonly SubscribedEvent[] = []): SubscribedEvent[] {
  const legacy = catalogue.legacyNames();
  return catalogue.subscribableNames().filter((e) => !legacy.includes(e) || stored.includes(e));
}

/** Refuses a legacy name the webhook does not already store: new integrations use `submission`. */
export function refuseNewLegacyNames(events: readonly SubscribedEvent[], stored: readonly SubscribedEvent[] = []): void {
  const legacy = events.find((e) => catalogue.legacyNames().includes(e) && !stored.includes(e));
  if (legacy) throw invalid('events', `${legacy} is the legacy name of ${catalogue.eventTypeOf(legacy)}, kept only for endpoints that already store it: check ${catalogue.eventTypeOf(legacy)} instead`);
}

/** The field rules, for checking a form one field at a time (registry/webhookDraft.ts). */
export { schema as webhookInputSchema };
