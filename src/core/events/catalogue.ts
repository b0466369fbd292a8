/**
 * What each event is called where, and which devices can produce it. One place, so the
 * header, the body, the test page, the logs filter and the troubleshooting text agree.
 */
import {
  EVENT_TYPES,
  SUBSCRIBABLE_EVENTS,
  type Channel,
  type EventType,
  type InboundHandler,
  type SubscribedEvent,
} from '../terms.js';

export const isEventType = (value: unknown): value is EventType =>
  (EVENT_TYPES as readonly unknown[]).includes(value);

export const isSubscribedEvent = (value: unknown): value is SubscribedEvent =>
  (SUBSCRIBABLE_EVENTS as readonly unknown[]).includes(value);

/**
 * Value of `X-Kirisan-Event`. Legacy endpoints keep receiving `submission.completed` in
 * the header because their receivers may route on it; the body never carries it.
 */
export function headerEventName(stored: SubscribedEvent): string {
  return stored;
}

/** The event type behind a stored subscription name; this is what the body's `event` says. */
export function eventTypeOf(stored: SubscribedEvent): EventType {
  return stored === 'submission.completed' ? 'submission' : stored;
}

/** Every stored name that subscribes to `type`, so fan-out also finds legacy endpoints. */
export function subscriptionNamesFor(type: EventType): SubscribedEvent[] {
  return type === 'submission' ? ['submission', 'submission.completed'] : [type];
}

const CHANNEL_LABELS: Record<Channel, string> = {
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  waba: 'WABA',
};

const HANDLER_LABELS: Record<InboundHandler, string> = {
  autoreply: 'Autoreply',
  flow: 'Flow',
  spreadsheet: 'Spreadsheet',
  webhook: 'Webhook',
};

const EVENT_LABELS: Record<SubscribedEvent, string> = {
  incoming_message: 'Incoming Message',
  submission: 'Submission',
  'submission.completed': 'Submission (legacy submission.completed)',
  message_status: 'Message status',
};

export function channelLabel(channel: Channel): string {
  return CHANNEL_LABELS[channel];
}

export function inboundHandlerLabel(handler: InboundHandler): string {
  return HANDLER_LABELS[handler];
}

export function eventLabel(stored: SubscribedEvent): string {
  return EVENT_LABELS[stored];
}

export type ProducesEvent = { ok: true } | { ok: false; reason: string };

/**
 * Whether a device can ever produce `type`. The reasons are written for a person reading
 * "why did nothing arrive?", so they name the setting to change in the product's words.
 */
export function deviceProducesEvent(
  device: { channel: Channel; inboundHandler: InboundHandler },
  type: EventType,
): ProducesEvent {
  switch (type) {
    case 'incoming_message':
      if (device.inboundHandler === 'webhook') return { ok: true };
      return {
        ok: false,
        reason:
          `the device's On incoming message handler is ${inboundHandlerLabel(device.inboundHandler)}, ` +
          'not Webhook',
      };
    case 'message_status':
      if (device.channel === 'waba') return { ok: true };
      return {
        ok: false,
        reason: `Message status events come only from WABA devices, and this is a ${channelLabel(device.channel)} device`,
      };
    case 'submission':
      return { ok: true };
  }
}
