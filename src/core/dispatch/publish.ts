import type { DeviceRow } from '../../db/sql/devicesByTokens.js';
import { insertEvents, type EventInsert } from '../../db/sql/insertEvent.js';
import { redeliverFailed as requeueFailed, redeliverOne } from '../../db/sql/redeliver.js';
import type { CoreContext } from '../context.js';
import type { PublishedEvent } from '../observe.js';
import { CoreError, invalid, isCoreError, notFound } from '../errors.js';
import { catalogue } from '../catalogue/index.js';
import { eventPayload } from '../events/index.js';
import { uuidOrNil } from '../registry/accounts.js';
import { checkDataLimits } from '../security/dataLimits.js';
import type { Channel, EventType, InboundHandler } from '../terms.js';
import { refuseHiddenCharacters } from '../text.js';
import { DeviceCache, deviceConflict } from './deviceCache.js';
import { GroupCommit, type Settled } from './groupCommit.js';
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
 * One statement of single publishes in flight per process: what arrives meanwhile goes in the
 * next. Measured at 1,578 deliveries/s published one event at a time: 1.65 events a statement
 * with one in flight, 1.09 with two.
 */
const SINGLES_IN_FLIGHT = 1;
/** A statement of single publishes that takes longer than this (a lane locked by a long transaction, a slow disk) lets the next one start. */
const SINGLES_STALLED_AFTER_MS = 100;
/** Most bytes of event data in one statement of single publishes: its parameters stay small beside the process's memory. */
const SINGLES_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Validates the event, stores it, and queues one delivery per Active endpoint of the
 * device's account that links the device and subscribed to the event, in one transaction.
 * `accountId` null = the platform key, which may publish for any account's device.
 *
 * Publishes that arrive while others are being stored go together in one statement
 * (groupCommit.ts), each with its own result and its own errors: a platform that publishes
 * each message as it comes pays the bulk path's cost per event once it is busy. One with an
 * idempotency key is stored alone (its key is claimed in the same transaction).
 */
export async function publishEvent(ctx: CoreContext, accountId: string | null, input: PublishInput): Promise<PublishResult> {
  if (input.idempotencyKey != null) return (await publish(ctx, accountId, [input], ''))[0]!;
  const bytes = checkInput(ctx, input, (name) => name);
  const startedAt = Date.now();
  const t0 = performance.now();
  const { result, published } = await singlesOf(ctx).add({ accountId, input, bytes });
  // Emitted here, in the caller's own context: a trace links the publish to its own request.
  ctx.events.emit('dispatch:published', { events: [published], startedAt, durationMs: performance.now() - t0 });
  return result;
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

/** Refuses an input that cannot be an event; returns the bytes of its data as JSON. */
function checkInput(ctx: CoreContext, input: PublishInput, at: (name: string) => string): number {
  if (typeof input.deviceToken !== 'string' || !input.deviceToken) throw invalid(at('deviceToken'), 'is required');
  refuseHiddenCharacters(at('deviceToken'), input.deviceToken);
  if (input.deviceToken.length > TOKEN_MAX) throw invalid(at('deviceToken'), `must be at most ${TOKEN_MAX} characters`);
  if (!catalogue.isEventType(input.event)) throw invalid(at('event'), `must be one of ${catalogue.eventTypes().join(', ')}`);
  const key = input.idempotencyKey;
  if (key != null && (typeof key !== 'string' || !KEY_PATTERN.test(key))) {
    throw invalid(at('idempotencyKey'), 'must be 1 to 255 printable ASCII characters without spaces (a UUID fits)');
  }
  return checkDataLimits(at('data'), input.data, ctx.config.publishing);
}

/** An event ready to store: its row, and what the result and the observers need. */
interface Prepared {
  row: EventInsert;
  channel: Channel;
  /** Why the device's handler does not route it (stored unrouted), or null. */
  notRoutedReason: string | null;
}

/** The device's event as stored; refuses a device that is not the caller's (or does not exist). */
function prepare(devices: Map<string, DeviceRow>, accountId: string | null, input: PublishInput, field: string, i: number): Prepared {
  const device = devices.get(input.deviceToken);
  if (!device || (accountId !== null && device.account_id !== accountId.toLowerCase())) throw notFound('device', field ? `${field}[${i}].deviceToken` : 'deviceToken');
  const type = input.event;
  const channel = device.channel;
  const payload = withIndex(field, i, () => eventPayload(type, { token: device.token, channel }, input.data));
  // A channel that cannot produce the event was refused above; a handler that does not
  // route it (not Webhook for incoming messages) stores it unrouted, with the reason.
  const produces = catalogue.deviceProduces({ channel, inboundHandler: device.inbound_handler as InboundHandler }, type);
  return {
    row: {
      accountId: device.account_id,
      deviceId: device.id,
      type,
      payloadJson: JSON.stringify(payload),
      eventNames: catalogue.subscriptionNamesFor(type),
      route: produces.ok,
      inboundHandler: device.inbound_handler,
    },
    channel,
    notRoutedReason: produces.ok ? null : produces.reason,
  };
}

const resultOf = (input: PublishInput, stored: { eventId: string; deliveries: number; notRoutedReason: string | null; replayed: boolean }): PublishResult => ({
  eventId: stored.eventId,
  deliveriesQueued: stored.deliveries,
  notRoutedReason: stored.notRoutedReason ?? (stored.deliveries ? null : noSubscriber(input.event)),
  replayed: stored.replayed,
});

const publishedOf = (p: Prepared, stored: { eventId: string; deliveries: number }): PublishedEvent => ({
  eventId: stored.eventId,
  type: p.row.type,
  channel: p.channel,
  accountId: p.row.accountId,
  deliveries: stored.deliveries,
});

/** All or nothing: the bulk path, and single publishes with an idempotency key. */
async function publish(ctx: CoreContext, accountId: string | null, inputs: PublishInput[], field: string): Promise<PublishResult[]> {
  const at = (i: number) => (name: string) => (field ? `${field}[${i}].${name}` : name);
  for (const [i, input] of inputs.entries()) checkInput(ctx, input, at(i));
  if (!inputs.length) return [];
  const startedAt = Date.now();
  const t0 = performance.now();
  const keyed = inputs.some((input) => input.idempotencyKey != null);
  const store = async (devices: Map<string, DeviceRow>, changedTwice: ReadonlySet<string>) => {
    const prepared = inputs.map((input, i) => prepare(devices, accountId, input, field, i));
    const conflicted = prepared.findIndex((p) => changedTwice.has(p.row.deviceId));
    if (conflicted >= 0) throw deviceConflict(at(conflicted)('deviceToken'));
    const stored = keyed
      ? await insertEventsOnce(ctx.db.pool, ctx.config.publishing.idempotencyWindowMs, prepared.map((p, i): KeyedEvent => ({ insert: p.row, key: inputs[i]!.idempotencyKey ?? null, notRoutedReason: p.notRoutedReason, keyField: at(i)('idempotencyKey') })))
      : (await insertEvents(ctx.db.pool, prepared.map((p) => p.row))).map((r, i) => ({ ...r, notRoutedReason: prepared[i]!.notRoutedReason, replayed: false }));
    return { prepared, stored };
  };
  // Keyed: devices looked up afresh, since a replay stores nothing and so checks no device.
  const { prepared, stored } = await devicesOf(ctx).withDevices(inputs.map((i) => i.deviceToken), store, { fresh: keyed });
  const published = stored.flatMap((r, i) => (r.replayed ? [] : [publishedOf(prepared[i]!, r)]));
  if (published.length) ctx.events.emit('dispatch:published', { events: published, startedAt, durationMs: performance.now() - t0 });
  return stored.map((r, i) => resultOf(inputs[i]!, r));
}

interface Single {
  accountId: string | null;
  input: PublishInput;
  /** Its data as JSON, bytes. */
  bytes: number;
}

const singles = new WeakMap<CoreContext, GroupCommit<Single, { result: PublishResult; published: PublishedEvent }>>();
const deviceCaches = new WeakMap<CoreContext, DeviceCache>();

function devicesOf(ctx: CoreContext): DeviceCache {
  let c = deviceCaches.get(ctx);
  if (!c) {
    c = new DeviceCache(ctx.db.pool);
    deviceCaches.set(ctx, c);
  }
  return c;
}

function singlesOf(ctx: CoreContext): GroupCommit<Single, { result: PublishResult; published: PublishedEvent }> {
  let g = singles.get(ctx);
  if (!g) {
    g = new GroupCommit((items) => storeSingles(ctx, items), { inFlight: SINGLES_IN_FLIGHT, stalledAfterMs: SINGLES_STALLED_AFTER_MS, batch: PUBLISH_BATCH_MAX, weight: SINGLES_BATCH_BYTES, weightOf: (s) => s.bytes });
    singles.set(ctx, g);
  }
  return g;
}

/**
 * Single publishes stored together, each answered on its own: a device that is not found or
 * data that does not fit its event fails only its own call, before anything is stored. The
 * statement stores all the others or none: if it fails (the database away), each event it
 * carried gets that error, and a call refused before it keeps its own. A device that changed
 * since it was kept makes the batch be prepared again from fresh rows (deviceCache.ts); one
 * that changed again meanwhile is CONFLICT for its own calls only.
 */
async function storeSingles(ctx: CoreContext, items: Single[]): Promise<Array<Settled<{ result: PublishResult; published: PublishedEvent }>>> {
  let prepared: Array<Settled<Prepared>> = [];
  let stored: Array<{ eventId: string; deliveries: number }>;
  try {
    stored = await devicesOf(ctx).withDevices(items.map((s) => s.input.deviceToken), (devices, changedTwice) => {
      prepared = items.map(({ accountId, input }): Settled<Prepared> => {
        try {
          const p = prepare(devices, accountId, input, '', 0);
          return changedTwice.has(p.row.deviceId) ? { ok: false, error: deviceConflict('deviceToken') } : { ok: true, value: p };
        } catch (error) {
          return { ok: false, error };
        }
      });
      return insertEvents(ctx.db.pool, prepared.flatMap((p) => (p.ok ? [p.value.row] : [])));
    });
  } catch (error) {
    return prepared.length ? prepared.map((p) => (p.ok ? { ok: false, error } : p)) : items.map(() => ({ ok: false, error }));
  }
  let n = 0;
  return prepared.map((p, i) => {
    if (!p.ok) return p;
    const s = stored[n++]!;
    return { ok: true, value: { result: resultOf(items[i]!.input, { ...s, notRoutedReason: p.value.notRoutedReason, replayed: false }), published: publishedOf(p.value, s) } };
  });
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
