import type { CoreContext } from '../context.js';
import { invalid } from '../errors.js';
import { secretHint } from '../security/secrets.js';
import type { Channel, SubscribedEvent } from '../terms.js';
import { parseInput } from '../validate.js';
import { listDevices, type DeviceView } from './devices.js';
import { eventsForChannel, guardedUrl, refuseNewLegacyNames, webhookInputSchema } from './webhookInput.js';

/**
 * The New webhook form checked one field at a time, with the same rules Save → test applies
 * to the whole form (a guided conversation asks for one field per step and wants the error at
 * that step). Nothing is written; saving still goes through saveWebhooks, which checks all again.
 */

export function checkWebhookName(_ctx: CoreContext, name: string): string {
  return parseInput(webhookInputSchema.shape.name, name, 'name');
}

/** The URL as it will be saved (normalised), after the URL guard. */
export async function checkWebhookUrl(ctx: CoreContext, url: string): Promise<string> {
  return guardedUrl(ctx, parseInput(webhookInputSchema.shape.url, url, 'url'));
}

/** The secret as it will be saved (null for none) and the hint that may be shown of it. */
export function checkWebhookSecret(_ctx: CoreContext, secret: string | null): { secret: string | null; hint: string | null } {
  const value = parseInput(webhookInputSchema.shape.secret, secret, 'secret');
  return { secret: value, hint: secretHint(value) };
}

/** The chosen devices, each of this account. */
export async function checkWebhookDevices(ctx: CoreContext, accountId: string, deviceIds: string[]): Promise<DeviceView[]> {
  const ids = parseInput(webhookInputSchema.shape.deviceIds, deviceIds, 'deviceIds');
  const devices = await listDevices(ctx, accountId);
  const missing = ids.find((id) => !devices.some((d) => d.id === id.toLowerCase()));
  if (missing !== undefined) throw invalid('deviceIds', `device ${missing} was not found in this account`);
  return devices.filter((d) => ids.some((id) => id.toLowerCase() === d.id));
}

/** The checked events, against the channels of the chosen devices (the catalogue's producer rule). */
export async function checkWebhookEvents(ctx: CoreContext, accountId: string, input: { deviceIds: string[]; events: SubscribedEvent[]; stored?: SubscribedEvent[] }): Promise<SubscribedEvent[]> {
  const events = parseInput(webhookInputSchema.shape.events, input.events, 'events');
  refuseNewLegacyNames(events, input.stored);
  const devices = await checkWebhookDevices(ctx, accountId, input.deviceIds);
  const channels = [...new Set(devices.map((d) => d.channel))] as Channel[];
  for (const channel of channels) eventsForChannel(channel, events, channels);
  return events;
}
