import { deviceByToken } from '../../db/sql/devices.js';
import { insertEvent } from '../../db/sql/insertEvent.js';
import { redeliverFailed as requeueFailed, redeliverOne } from '../../db/sql/redeliver.js';
import type { CoreContext } from '../context.js';
import { CoreError, invalid, notFound } from '../errors.js';
import { buildPayload, deviceProducesEvent, isEventType, parseEventData, subscriptionNamesFor } from '../events/index.js';
import { uuidOrNull } from '../registry/accounts.js';
import type { Channel, EventType, InboundHandler } from '../terms.js';

export interface PublishInput {
  deviceToken: string;
  event: EventType | string;
  data: unknown;
}

export interface PublishResult {
  eventId: string;
  deliveriesQueued: number;
  /** Why the device's event goes to no endpoint at all (e.g. its handler is not Webhook). */
  notRoutedReason: string | null;
}

/**
 * Validates the event, stores it, and queues one delivery per Active endpoint of the
 * device's account that links the device and subscribed to the event, in one transaction.
 * `accountId` null = the platform key, which may publish for any account's device.
 */
export async function publishEvent(ctx: CoreContext, accountId: string | null, input: PublishInput): Promise<PublishResult> {
  if (typeof input.deviceToken !== 'string' || !input.deviceToken) throw invalid('deviceToken', 'is required');
  if (!isEventType(input.event)) throw invalid('event', 'must be one of incoming_message, submission, message_status');
  const type = input.event;
  const device = await deviceByToken(ctx.db.pool, input.deviceToken, accountId);
  if (!device) throw notFound('device', 'deviceToken');
  const channel = device.channel as Channel;
  const data = parseEventData(type, channel, input.data);
  const payloadJson = JSON.stringify(buildPayload(type, { token: device.token, channel }, data));
  const produces = deviceProducesEvent({ channel, inboundHandler: device.inbound_handler as InboundHandler }, type);
  const result = await insertEvent(ctx.db.pool, {
    accountId: device.account_id,
    deviceId: device.id,
    type,
    payloadJson,
    eventNames: subscriptionNamesFor(type),
    route: produces.ok,
  });
  return { eventId: result.eventId, deliveriesQueued: result.deliveries, notRoutedReason: produces.ok ? null : produces.reason };
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
  const queued = await requeueFailed(ctx.db.pool, { accountId, endpointId: uuidOrNull(input.endpointId), since: input.since, until });
  if (queued === null) throw notFound('endpoint', 'endpointId');
  return { queued };
}
