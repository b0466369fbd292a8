import type { AttemptView } from '../core/logs/attempts.js';
import type { Page } from '../core/pagination.js';
import type { DeviceView } from '../core/registry/devices.js';
import { channelsLabel, type WebhookRow } from '../core/registry/webhookList.js';
import type { EndpointView } from '../core/registry/webhooks.js';
import type { TestTarget as CoreTestTarget } from '../core/sendTest/targets.js';
import type { Device } from './types/device.js';
import type { Attempt } from './types/logs.js';
import type { Endpoint, TestTarget, Webhook } from './types/webhook.js';

/**
 * Core views → API objects. The GraphQL enums' values are the core's strings, so nothing is
 * renamed or recomputed here except display labels.
 */
export const deviceOut = (d: DeviceView): Device => ({
  id: d.id,
  token: d.token,
  channel: d.channel,
  name: d.name,
  identifier: d.identifier,
  inboundHandler: d.inboundHandler,
  label: d.label,
});

/** The API's Endpoint is core's view as it is (the schema shows only its own fields). */
export const endpointOut = (e: EndpointView): Endpoint => ({ ...e, devices: e.devices.map(deviceOut) });

export const webhookOut = (w: WebhookRow): Webhook => ({
  id: w.id,
  name: w.name,
  url: w.url,
  channel: channelsLabel(w),
  channels: w.channels,
  deviceCount: w.deviceCount,
  events: w.events,
  status: w.status,
  secretHint: w.secretHint,
  endpoints: w.endpoints.map(endpointOut),
  createdAt: w.createdAt,
  delivery: w.delivery,
});

export const targetOut = (t: CoreTestTarget): TestTarget => ({ ...t });

export const attemptOut = (a: AttemptView): Attempt => ({
  id: a.id,
  webhookName: a.webhookName,
  event: a.eventName,
  channel: a.channel,
  url: a.url,
  outcome: a.outcome,
  httpCode: a.httpCode,
  durationMs: a.durationMs,
  startedAt: a.startedAt,
  createdAt: a.startedAt,
  test: a.test,
  attemptNumber: a.attemptNumber,
  deliveryId: a.deliveryId,
  endpointId: a.endpointId,
  deviceId: a.deviceId,
  device: a.device,
  errorCode: a.errorCode,
  error: a.errorText,
  responseBody: a.responseBody,
  diagnosis: a.diagnosis,
});

/** A core page as a Relay connection. */
export function connection<T, N>(page: Page<T>, map: (item: T) => N): { edges: Array<{ node: N; cursor: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  return {
    edges: page.items.map((item, i) => ({ node: map(item), cursor: page.cursors[i]! })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}
