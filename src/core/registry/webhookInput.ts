import { z } from 'zod';
import type { CoreContext } from '../context.js';
import { invalid } from '../errors.js';
import { checkTarget, parseTargetUrl } from '../security/urlGuard.js';
import { SUBSCRIBABLE_EVENTS, type Channel, type SubscribedEvent } from '../terms.js';
import { eventTypeOf } from '../events/index.js';
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
  name: z.string({ message: 'is required' }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  url: z.string({ message: 'is required' }),
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
    .array(z.enum(SUBSCRIBABLE_EVENTS, { message: `must be one of ${SUBSCRIBABLE_EVENTS.join(', ')}` }), { message: 'must be a list of events' })
    .min(1, 'check at least one event')
    .refine((evs) => new Set(evs.map(eventTypeOf)).size === evs.length, 'lists an event twice (submission and its legacy name submission.completed are the same event)'),
});

export type ParsedWebhookInput = z.output<typeof schema> & { url: string };

/** Shape and URL checks (including the URL guard), before any device is looked up. */
export async function parseWebhookInput(ctx: CoreContext, input: WebhookInput): Promise<ParsedWebhookInput> {
  const parsed = parseInput(schema, input);
  const url = parseTargetUrl(parsed.url);
  await checkTarget(url, ctx.targets);
  return { ...parsed, url: url.toString() };
}

/**
 * The events an endpoint of one channel stores. `message_status` comes only from WABA
 * devices, so it is kept on the WABA endpoint alone; a channel left with no event would
 * receive nothing, which is refused rather than saved silently.
 */
export function eventsForChannel(channel: Channel, events: SubscribedEvent[], channels: Channel[]): SubscribedEvent[] {
  if (events.includes('message_status') && !channels.includes('waba')) {
    throw invalid('events', 'Message status is sent only for WABA devices: link a WABA device or uncheck Message status');
  }
  const kept = channel === 'waba' ? events : events.filter((e) => e !== 'message_status');
  if (kept.length === 0) {
    throw invalid('events', `the ${channel} devices would receive no event: Message status is WABA only, so also check Incoming Message or Submission, or link only WABA devices`);
  }
  return kept;
}

/** The legacy stored names (`submission.completed`): kept where stored, never chosen anew. */
const LEGACY_NAMES: readonly SubscribedEvent[] = SUBSCRIBABLE_EVENTS.filter((e) => eventTypeOf(e) !== e);

/**
 * The events a webhook form offers: every current name, plus a legacy name the webhook
 * already stores (so editing a legacy endpoint keeps what its receiver routes on).
 */
export function eventChoices(stored: readonly SubscribedEvent[] = []): SubscribedEvent[] {
  return SUBSCRIBABLE_EVENTS.filter((e) => !LEGACY_NAMES.includes(e) || stored.includes(e));
}

/** Refuses a legacy name the webhook does not already store: new integrations use `submission`. */
export function refuseNewLegacyNames(events: readonly SubscribedEvent[], stored: readonly SubscribedEvent[] = []): void {
  const legacy = events.find((e) => LEGACY_NAMES.includes(e) && !stored.includes(e));
  if (legacy) throw invalid('events', `${legacy} is the legacy name of ${eventTypeOf(legacy)}, kept only for endpoints that already store it: check ${eventTypeOf(legacy)} instead`);
}

/** The field rules, for checking a form one field at a time (registry/webhookDraft.ts). */
export { schema as webhookInputSchema };
