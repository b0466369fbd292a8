/**
 * The catalogue: every channel and every event the gateway knows, and everything derived
 * from them (names, labels, the producer rule and its reasons, validation schemas). Nothing
 * outside src/core/catalogue lists channels or events; it asks here.
 */
import { z } from 'zod';
import { inboundHandlerLabel, type Channel, type EventType, type InboundHandler, type SubscribedEvent } from '../terms.js';
import type { ChannelEntry, EventEntry } from './entries.js';

export type ProducesEvent = { ok: true } | { ok: false; reason: string };

/** Ids are lower-case words: they are stored, sent in bodies and headers, and become GraphQL enum values. */
const ID = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export class Catalogue {
  private readonly channelList: ChannelEntry[] = [];
  private readonly eventList: EventEntry[] = [];
  /** Every stored name (type or legacy) → its entry. */
  private readonly byName = new Map<string, EventEntry>();
  private sealed = false;

  constructor(entries: { channels: readonly ChannelEntry[]; events: readonly EventEntry[] }) {
    this.extend(entries);
  }

  /**
   * Adds channels and events (a test's fourth channel, a new product event) before anything is
   * built from the catalogue; `seal()` (called when a runtime starts) ends that, because the
   * API schema and the bot's buttons are built from what is here at that moment.
   */
  extend(entries: { channels?: readonly ChannelEntry[]; events?: readonly EventEntry[] }): this {
    if (this.sealed) throw new Error('the catalogue is sealed: extend it before the first runtime starts');
    for (const c of entries.channels ?? []) {
      if (!ID.test(c.id) || c.id.includes('.')) throw new Error(`channel id ${c.id} must be a lower-case word`);
      if (this.isChannel(c.id)) throw new Error(`channel ${c.id} is already in the catalogue`);
      this.channelList.push(c);
    }
    for (const e of entries.events ?? []) {
      for (const name of [e.type, ...e.legacyNames.map((l) => l.name)]) {
        if (!ID.test(name)) throw new Error(`event name ${name} must be lower-case words`);
        if (this.byName.has(name)) throw new Error(`event name ${name} is already in the catalogue`);
        this.byName.set(name, e);
      }
      this.eventList.push(e);
    }
    for (const e of this.eventList) {
      if (e.producer.channels === 'all') continue;
      const unknown = e.producer.channels.find((c) => !this.isChannel(c));
      if (unknown !== undefined) throw new Error(`event ${e.type} is produced by channel ${unknown}, which is not in the catalogue`);
    }
    return this;
  }

  seal(): void {
    this.sealed = true;
  }

  // ---- channels ---------------------------------------------------------------------

  /** In display order. */
  get channels(): readonly ChannelEntry[] {
    return this.channelList;
  }

  channelIds(): Channel[] {
    return this.channelList.map((c) => c.id);
  }

  isChannel(value: unknown): value is Channel {
    return this.channelList.some((c) => c.id === value);
  }

  /** The entry of a stored channel id; an id the catalogue does not know is a programming error. */
  channel(id: Channel): ChannelEntry {
    const entry = this.channelList.find((c) => c.id === id);
    if (!entry) throw new Error(`channel ${id} is not in the catalogue`);
    return entry;
  }

  /** A label for any stored id: one the catalogue no longer knows (an old log row) shows as stored. */
  channelLabel(id: Channel): string {
    return this.channelList.find((c) => c.id === id)?.label ?? id;
  }

  // ---- events -----------------------------------------------------------------------

  get events(): readonly EventEntry[] {
    return this.eventList;
  }

  /** What the body's `"event"` may say. */
  eventTypes(): EventType[] {
    return this.eventList.map((e) => e.type);
  }

  /** What an endpoint may store: every type and every legacy name. */
  subscribableNames(): SubscribedEvent[] {
    return [...this.byName.keys()];
  }

  legacyNames(): SubscribedEvent[] {
    return this.eventList.flatMap((e) => e.legacyNames.map((l) => l.name));
  }

  isEventType(value: unknown): value is EventType {
    return this.eventList.some((e) => e.type === value);
  }

  isSubscribedEvent(value: unknown): value is SubscribedEvent {
    return typeof value === 'string' && this.byName.has(value);
  }

  /** The entry behind a type or a legacy name. */
  event(name: SubscribedEvent): EventEntry {
    const entry = this.byName.get(name);
    if (!entry) throw new Error(`event ${name} is not in the catalogue`);
    return entry;
  }

  /** The event type behind a stored subscription name; this is what the body's `event` says. */
  eventTypeOf(stored: SubscribedEvent): EventType {
    return this.event(stored).type;
  }

  /** Every stored name that subscribes to `type`, so fan-out also finds legacy endpoints. */
  subscriptionNamesFor(type: EventType): SubscribedEvent[] {
    const entry = this.event(type);
    return [entry.type, ...entry.legacyNames.map((l) => l.name)];
  }

  eventLabel(stored: SubscribedEvent): string {
    const entry = this.byName.get(stored);
    if (!entry) return stored;
    return entry.type === stored ? entry.label : (entry.legacyNames.find((l) => l.name === stored)?.label ?? stored);
  }

  // ---- the producer rule ------------------------------------------------------------

  /** Channels whose devices produce `type`, in display order. */
  producingChannels(type: EventType): ChannelEntry[] {
    const { channels } = this.event(type).producer;
    return channels === 'all' ? [...this.channelList] : this.channelList.filter((c) => channels.includes(c.id));
  }

  /** "WABA", "WhatsApp or WABA": the channels that produce `type`, for sentences. */
  producingLabels(type: EventType): string {
    return orList(this.producingChannels(type).map((c) => c.label));
  }

  /** "Message status is sent for WABA devices only": the events not every channel produces, for forms. */
  producerNote(): string {
    return this.eventList
      .filter((e) => e.producer.channels !== 'all')
      .map((e) => `${e.label} is sent for ${this.producingLabels(e.type)} devices only`)
      .join('; ');
  }

  /**
   * Whether devices of `channel` ever produce `type`. Refusals name the channels that do, in
   * words for a person reading "why did nothing arrive?".
   */
  channelProduces(channel: Channel, type: EventType): ProducesEvent {
    if (this.producingChannels(type).some((c) => c.id === channel)) return { ok: true };
    return {
      ok: false,
      reason: `${this.event(type).label} events come only from ${this.producingLabels(type)} devices, and this is a ${this.channelLabel(channel)} device`,
    };
  }

  /** The On incoming message handler a device needs for `type`, if any. */
  handlerNeeded(type: EventType): InboundHandler | null {
    return this.event(type).producer.inboundHandler ?? null;
  }

  /** Whether a device (its channel and its handler) can ever produce `type`. */
  deviceProduces(device: { channel: Channel; inboundHandler: InboundHandler }, type: EventType): ProducesEvent {
    const byChannel = this.channelProduces(device.channel, type);
    if (!byChannel.ok) return byChannel;
    const handler = this.handlerNeeded(type);
    if (handler === null || device.inboundHandler === handler) return { ok: true };
    return {
      ok: false,
      reason: `the device's On incoming message handler is ${inboundHandlerLabel(device.inboundHandler)}, not ${inboundHandlerLabel(handler)}`,
    };
  }

  // ---- validation -------------------------------------------------------------------

  /** A stored channel id. Checked when parsed, so an extension made before start-up counts. */
  readonly channelSchema: z.ZodType<Channel> = z
    .string({ error: () => `must be one of ${this.channelIds().join(', ')}` })
    .refine((v) => this.isChannel(v), { error: () => `must be one of ${this.channelIds().join(', ')}` });

  readonly eventTypeSchema: z.ZodType<EventType> = z
    .string({ error: () => `must be one of ${this.eventTypes().join(', ')}` })
    .refine((v) => this.isEventType(v), { error: () => `must be one of ${this.eventTypes().join(', ')}` });

  readonly subscribedEventSchema: z.ZodType<SubscribedEvent> = z
    .string({ error: () => `must be one of ${this.subscribableNames().join(', ')}` })
    .refine((v) => this.isSubscribedEvent(v), { error: () => `must be one of ${this.subscribableNames().join(', ')}` });
}

function orList(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
