/**
 * What one channel and one event are, as data. Everything that varies by channel or by event
 * lives in an entry of these shapes (src/core/catalogue/channels.ts, events/*.ts); routing,
 * validation, samples, troubleshooting, labels and the GraphQL enums are derived from the
 * entries by catalogue.ts. A field left out of an entry does not compile.
 */
import type { z } from 'zod';
import type { InboundHandler } from '../terms.js';

export interface ChannelEntry {
  /** Stored id: `device.channel`, the body's `"channel"`, the log's channel. Lower case. */
  id: string;
  /** How people see it: the device tabs, the list's Channel column, bot replies. */
  label: string;
  /** The device identifier on this channel (a phone number, a bot username). */
  identifier: {
    /** What it is, for field descriptions: "phone number in international format". */
    kind: string;
    /** Validates and normalises what a person typed (`+62 812…` → `62812…`). */
    schema: z.ZodType<string, string>;
    /** How labels show it: `+6281234567890`, `@acme_bot`. */
    display(identifier: string): string;
  };
  /**
   * Who talks to a device of this channel, as an `incoming_message` carries them: the loose
   * `sender.details` and `metadata` objects each channel fills with its own fields.
   */
  contact: { details: z.ZodType; metadata: z.ZodType };
  /** Sample data of the test page and the demo account. */
  sample: ChannelSample;
}

export interface ChannelSample {
  /** The demo account's device of this channel. */
  device: { name: string; identifier: string; inboundHandler: InboundHandler };
  /** The reply target of the sample user (a phone number, a Telegram chat id). */
  user: string;
  details: Record<string, unknown>;
  metadata(device: SampleDevice): Record<string, unknown>;
  /** How the sample user reaches the device, after "A WhatsApp user sends …": "" or " to the bot". */
  reaches: string;
}

/** A device as the samples need it. */
export interface SampleDevice {
  token: string;
  channel: string;
  name: string;
  identifier: string;
}

/** Which devices can ever produce an event. */
export interface ProducerRule {
  /** Channels whose devices produce it; `all` for every channel of the catalogue. */
  channels: 'all' | readonly string[];
  /** Only devices with this On incoming message handler produce it (others store it unrouted). */
  inboundHandler?: InboundHandler;
}

export interface EventEntry<Data = unknown> {
  /** The body's `"event"` and the stored subscription name. */
  type: string;
  label: string;
  /**
   * Older stored names of this event: endpoints that kept one are still found by fan-out and
   * get that name in `X-Kirisan-Event`; the body always says `type`. Never offered for new
   * webhooks.
   */
  legacyNames: ReadonlyArray<{ name: string; label: string }>;
  producer: ProducerRule;
  /**
   * What the platform publishes for a device of `channel` (the body minus the fields the
   * gateway fills in). Shape key order is the order receivers see: zod rebuilds objects in
   * shape order.
   */
  schema(channel: ChannelEntry): z.ZodType<Data>;
  /** The stored body without `timestamp` and `production`, keys in the contract's order. */
  build(data: Data, device: { token: string; channel: string }): Record<string, unknown>;
  /** What the platform would publish in the test page's sample (it goes through `schema`). */
  sample(channel: ChannelEntry, device: SampleDevice): unknown;
  /** One line for the test page: what "happened" in the sample. */
  scenario(channel: ChannelEntry): string;
}

/**
 * An entry whose data type is checked inside it (schema, build and sample agree) and erased
 * outside: the catalogue only ever hands `build` what `schema` produced.
 */
export function defineEvent<Data>(entry: EventEntry<Data>): EventEntry {
  return entry as unknown as EventEntry;
}

export function defineChannel(entry: ChannelEntry): ChannelEntry {
  return entry;
}
