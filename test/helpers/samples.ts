import { samplePublishData } from '../../src/core/events/index.js';
import type { DeviceView } from '../../src/core/registry/devices.js';
import type { EventType } from '../../src/core/terms.js';

/** What the platform publishes for an event: the sample payload minus the gateway's own fields. */
export function publishedData(type: EventType, device: DeviceView): Record<string, unknown> {
  return samplePublishData(type, device);
}
