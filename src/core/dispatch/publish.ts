import { devicesByTokens, type DeviceRow } from '../../db/sql/devicesByTokens.js';
import { insertEvents, type EventInsert } from '../../db/sql/insertEvent.js';
import { redeliverFailed as requeueFailed, redeliverOne } from '../../db/sql/redeliver.js';
import type { CoreContext } from '../context.js';
import { CoreError, invalid, isCoreError, notFound } from '../errors.js';
import { catalogue } from '../catalogue/index.js';
import { eventPayload } from '../events/index.js';
import { uuidOrNil } from '../registry/accounts.js';
import { checkDataLimits } from '../security/dataLimits.js';
import type { Channel, EventType, InboundHandler } from '../terms.js';
import { refuseHiddenCharacters } from '../text.js';
import { insertEventsOnce, type KeyedEvent } from './idempotency.js';

export interface PublishInput {
  deviceToken: string;
  event: EventType;
  data: unknown;
  /**
   * Makes a retry safe: a publish with a key already used for the device's account within
   * the idempotency window (and the same event) returns the first result and queues nothing.
   */
  idempotencyKey?: string | null;
}

export interface PublishResult {
  eventId: string;
  deliveriesQueued: number;
  /** Why the event goes to no endpoint: the device's handler does not route it, or no Active endpoint of the device subscribes to it. Null when deliveries were queued. */
  notRoutedReason: string | null;
  /** True when this is the stored result of an earlier publish with the same idempotency key. */
  replayed: boolean;
}

/** Idempotency keys: what a UUID, a ULID or a "<system>:<id>" of the publisher's fits in. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const TOKEN_MAX = 200;

/** Most events one publishEvents call takes (one statement; its arrays stay well under PostgreSQL's limits). */
export const PUBLISH_BATCH_MAX = 1000;

/**
 * Validates the event, stores it, and queues one delivery per Active endpoint of the
 * device's account that links the device and subscribed to the event, in one transaction.
 * `accountId` null = the platform key, which may publish for any account's device.
 */
export async function publishEvent(ctx: CoreContext, accountId: string | null, input: PublishInput): Promise<PublishResult> {
  const [result] = await publish(ctx, accountId, [input], '');
  return result!;
}

/**
 * Many events at once, all or nothing: every event is validated first (an error names the
 * event by its index, e.g. `events[3].deviceToken`), then all are stored with their
 * deliveries in one statement. Costs far less per event than publishing them one by one.
 */
export async function publishEvents(ctx: CoreContext, accountId: string | null, inputs: PublishInput[]): Promise<PublishResult[]> {
  if (!Array.isArray(inputs)) throw invalid('events', 'must be a list');
  if (inputs.length > PUBLISH_BATCH_MAX) throw invalid('events', `must hold at most ${PUBLISH_BATCH_MAX} events`);
  return publish(ctx, accountId, inputs, 'events');
}

async function publish(ctx: CoreContext, accountId: string | null, inputs: PublishInput[], field: string): Promise<PublishResult[]> {
  const at = (i: number, name: string) => (field ? `${field}[${i}].${name}` : name);
  const limits = ctx.config.publishing;
  for (const [i, input] of inputs.entries()) {
    if (typeof input.deviceToken !== 'string' || !input.deviceToken) throw invalid(at(i, 'deviceToken'), 'is required');
    refuseHiddenCharacters(at(i, 'deviceToken'), input.deviceToken);
    if (input.deviceToken.length > TOKEN_MAX) throw invalid(at(i, 'deviceToken'), `must be at most ${TOKEN_MAX} characters`);
    if (!catalogue.isEventType(input.event)) throw invalid(at(i, 'event'), `must be one of ${catalogue.eventTypes().join(', ')}`);
    const key = input.idempotencyKey;
    if (key != null && (typeof key !== 'string' || !KEY_PATTERN.test(key))) {
      throw invalid(at(i, 'idempotencyKey'), 'must be 1 to 255 printable ASCII characters without spaces (a UUID fits)');
    }
    checkDataLimits(at(i, 'data'), input.data, limits);
  }
  if (!inputs.length) return [];
  const startedAt = Date.now();
  const t0 = performance.now();
  const devices = await devicesByTokens(ctx.db.pool, inputs.map((i) => i.deviceToken), accountId);
  const rows: EventInsert[] = [];
  const reasons: Array<string | null> = [];
  const channels: Channel[] = [];
  const keyed = inputs.some((input) => input.idempotencyKey != null);
  for (const [i, input] of inputs.entries()) {
    const device: DeviceRow | undefined = devices.get(input.deviceToken);
    if (!device) throw notFound('device', at(i, 'deviceToken'));
    const type = input.event;
    const channel = device.channel;
    channels.push(channel);
    const payload = withIndex(field, i, () => eventPayload(type, { token: device.token, channel }, input.data));
    // A channel that cannot produce the event was refused above; a handler that does not
    // route it (not Webhook for incoming messages) stores it unrouted, with the reason.
    const produces = catalogue.deviceProduces({ channel, inboundHandler: device.inbound_handler as InboundHandler }, type);
    rows.push({
      accountId: device.account_id,
      deviceId: device.id,
      type,
      payloadJson: JSON.stringify(payload),
      eventNames: catalogue.subscriptionNamesFor(type),
      route: produces.ok,
    });
    reasons.push(produces.ok ? null : produces.reason);
  }
  const stored = keyed
    ? await insertEventsOnce(ctx.db.pool, limits.idempotencyWindowMs, rows.map((insert, i): KeyedEvent => ({ insert, key: inputs[i]!.idempotencyKey ?? null, notRoutedReason: reasons[i] ?? null, keyField: at(i, 'idempotencyKey') })))
    : (await insertEvents(ctx.db.pool, rows)).map((r, i) => ({ ...r, notRoutedReason: reasons[i] ?? null, replayed: false }));
  const published = stored.flatMap((r, i) => (r.replayed ? [] : [{ eventId: r.eventId, type: rows[i]!.type, channel: channels[i]!, accountId: rows[i]!.accountId, deliveries: r.deliveries }]));
  if (published.length) ctx.events.emit('dispatch:published', { events: published, startedAt, durationMs: performance.now() - t0 });
  return stored.map((r, i) => ({ eventId: r.eventId, deliveriesQueued: r.deliveries, notRoutedReason: r.notRoutedReason ?? (r.deliveries ? null : noSubscriber(inputs[i]!.event)), replayed: r.replayed }));
}

/** In a batch, a validation error names the event it is about (`events[3].data.form`). */
function withIndex<T>(field: string, i: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!field || !isCoreError(e) || e.code !== 'VALIDATION_FAILED' || !e.field) throw e;
    const name = `${field}[${i}].${e.field}`;
    throw new CoreError(e.code, `${name}: ${e.reason}`, name, { cause: e, reason: e.reason });
  }
}

/** Sends one delivery again now (one more attempt), unless a worker is sending it. */
export async function redeliver(ctx: CoreContext, accountId: string, deliveryId: string): Promise<{ deliveryId: string; queued: true }> {
  if (!/^\d{1,18}$/.test(deliveryId)) throw notFound('delivery', 'deliveryId');
  const r = await redeliverOne(ctx.db.pool, accountId, deliveryId);
  if (!r) throw notFound('delivery', 'deliveryId');
  if (r.inFlight) throw new CoreError('CONFLICT', 'this delivery is being sent right now; try again when its attempt shows in the log', 'deliveryId');
  return { deliveryId, queued: true };
}

/** Requeues every failed delivery of an endpoint from `since` (to `until`, default now). */
export async function redeliverFailed(
  ctx: CoreContext,
  accountId: string,
  input: { endpointId: string; since: Date; until?: Date | null },
): Promise<{ queued: number }> {
  const until = input.until ?? ctx.now();
  if (!(input.since instanceof Date) || Number.isNaN(input.since.getTime())) throw invalid('since', 'must be a date');
  if (!(until instanceof Date) || Number.isNaN(until.getTime())) throw invalid('until', 'must be a date');
  if (input.since >= until) throw invalid('since', 'must be before until');
  const queued = await requeueFailed(ctx.db.pool, { accountId, endpointId: uuidOrNil(input.endpointId), since: input.since, until });
  if (queued === null) throw notFound('endpoint', 'endpointId');
  return { queued };
}

/** A routed event that queued nothing: stored (it is in the log), but no endpoint wanted it. */
const noSubscriber = (type: string) =>
  `no Active endpoint of this device subscribes to ${type}: add the event to a webhook of the device (a Pending test endpoint receives live events once a test succeeds)`;
