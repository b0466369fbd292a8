/**
 * Test-page samples. Each goes through the live parseEventData + buildPayload, so the
 * preview a person approves is the shape live traffic will have; if the contract changes,
 * a stale sample fails validation instead of silently showing the old shape.
 */
import { catalogue, type SampleDevice } from '../catalogue/index.js';
import type { Channel, EventType } from '../terms.js';
import { eventPayload } from './payloads.js';

/**
 * A realistic payload for `type` from `device`, keys as live traffic has them (without
 * `timestamp` and `production`, which renderBody adds per send). Throws like parseEventData
 * when the device's channel cannot produce the event.
 */
export function samplePayload(type: EventType, device: SampleDevice): Record<string, unknown> {
  const data = catalogue.event(type).sample(catalogue.channel(device.channel), device);
  return eventPayload(type, device, data);
}

/**
 * What the messaging platform publishes for the sample (publishEvent's `data`): the payload
 * without the fields the gateway fills in itself (event, device, channel).
 */
export function samplePublishData(type: EventType, device: SampleDevice): Record<string, unknown> {
  const { event: _event, device: _device, channel: _channel, ...data } = samplePayload(type, device);
  return data;
}

/** One line for the test page: what "happened" in the sample (or why it never happens). */
export function sampleScenario(type: EventType, channel: Channel): string {
  const produces = catalogue.channelProduces(channel, type);
  return produces.ok ? catalogue.event(type).scenario(catalogue.channel(channel)) : produces.reason;
}
