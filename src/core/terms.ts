/**
 * The gateway's vocabulary. These words are used the same way in code, GraphQL, bot
 * replies and tests.
 *
 * - account:   a customer of the messaging platform; owns devices, endpoints, API keys.
 * - device:    one line or bot on a channel (a WhatsApp number, a Telegram bot, a WABA
 *              number). Its token is sent as `device` in payloads and `X-Kirisan-Device`.
 * - inbound handler: what a device does with an incoming message; only `webhook`
 *              devices produce `incoming_message` events.
 * - webhook:   what a person adds on Webhooks → Webhook: a name, a URL, an optional secret,
 *              devices and events. Its name + URL + secret are what make it one webhook: an
 *              account has at most one webhook per such group (a second save of the same
 *              group is refused; adding devices or events is an edit). Stored as one endpoint
 *              per channel of its devices, sharing a webhook id; the list shows one row per
 *              webhook ("Mixed channels" when it spans several), the summary counts those rows
 *              and the device count adds up the devices of the row's endpoints.
 * - endpoint:  one stored destination (one channel's devices of a webhook). Status is
 *              `pending_test` until a test succeeds, then `active`; only active endpoints
 *              receive live traffic. `disabled` (gone, failing or manual, with a time): no
 *              traffic until an admin enables it; deliveries queued for it wait meanwhile.
 * - batch:     the endpoints written by one save. One successful test activates them all.
 * - event:     something a device produced (`incoming_message`, `submission`,
 *              `message_status`), stored once with its payload.
 * - delivery:  one event owed to one endpoint; the durable queue row, retried on failure.
 * - attempt:   one POST (live or test): the log row, with outcome and diagnosis.
 * - lease:     how long a worker owns a claimed delivery; when it ends unfinished, any
 *              worker may claim the delivery again (at-least-once).
 * - diagnosis: plain-language cause and fix of a failed attempt.
 * - alert:     a message to an account's admins about failing or recovered endpoints.
 */

/**
 * Channels and events are listed once, in the catalogue (src/core/catalogue): these are the
 * ids it hands out and stores. Typed as strings because the catalogue can be extended before
 * start-up (a test's fourth channel); every id that reaches core from outside is checked
 * against the catalogue first.
 */
/** A channel id (`whatsapp`, `telegram`, `waba`). */
export type Channel = string;
/** An event type: what the body's `"event"` says (`incoming_message`, `submission`, `message_status`). */
export type EventType = string;
/**
 * A name an endpoint stores for an event: its type, or a legacy name such as
 * `submission.completed` (kept as stored, sent in `X-Kirisan-Event`, never in the body).
 */
export type SubscribedEvent = string;

export const INBOUND_HANDLERS = ['autoreply', 'flow', 'spreadsheet', 'webhook'] as const;
export type InboundHandler = (typeof INBOUND_HANDLERS)[number];

const HANDLER_LABELS = {
  autoreply: 'Autoreply',
  flow: 'Flow',
  spreadsheet: 'Spreadsheet',
  webhook: 'Webhook',
} satisfies Record<InboundHandler, string>;

export function inboundHandlerLabel(handler: InboundHandler): string {
  return HANDLER_LABELS[handler];
}

export const ENDPOINT_STATUSES = ['pending_test', 'active', 'disabled'] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

/**
 * Why an endpoint is Disabled: `gone` (its receiver answered 410 Gone), `failing` (every live
 * attempt failed for a sustained time), `manual` (an admin disabled it).
 */
export const DISABLED_REASONS = ['gone', 'failing', 'manual'] as const;
export type DisabledReason = (typeof DISABLED_REASONS)[number];

export const ATTEMPT_OUTCOMES = ['success', 'failed'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];
