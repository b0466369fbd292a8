import { Device, Endpoint } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { notFound } from '../errors.js';
import { catalogue } from '../catalogue/index.js';
import { renderBody, samplePayload, sampleScenario } from '../events/index.js';
import { previewHeaders } from '../dispatch/headers.js';
import { uuidOrNil } from '../registry/accounts.js';
import { previousKeyInUse } from '../registry/endpointSettings.js';
import { deviceView, type DeviceView } from '../registry/devices.js';
import type { EndpointStatus, SubscribedEvent } from '../terms.js';

/** One row of the Webhooks → Test dropdown: endpoint × linked device × subscribed event. */
export interface TestTarget {
  id: string;
  /** `name · device · event · URL`, with `pending` while the endpoint is not Active. */
  label: string;
  webhookId: string;
  endpointId: string;
  deviceId: string;
  event: SubscribedEvent;
  url: string;
  status: EndpointStatus;
}

export interface TestTargetDetail {
  target: TestTarget;
  device: DeviceView;
  /** The sample scenario: what "happened" in this test. */
  scenario: string;
  /** Exactly the bytes Send test will POST (its timestamp is the second it is sent). */
  payloadPreview: string;
  /** The request's headers as Send test will send them; secrets and custom values as hints. */
  requestHeaders: Array<{ name: string; value: string }>;
}

export function targetId(endpointId: string, deviceId: string, event: SubscribedEvent): string {
  return `tt_${Buffer.from(`${endpointId}|${deviceId}|${event}`).toString('base64url')}`;
}

function parseTargetId(id: string): { endpointId: string; deviceId: string; event: SubscribedEvent } | null {
  if (!id.startsWith('tt_')) return null;
  const [endpointId, deviceId, event, extra] = Buffer.from(id.slice(3), 'base64url').toString('utf8').split('|');
  if (!endpointId || !deviceId || !event || extra !== undefined || !catalogue.isSubscribedEvent(event)) return null;
  return { endpointId: uuidOrNil(endpointId), deviceId: uuidOrNil(deviceId), event };
}

function toTarget(endpoint: Endpoint, device: Device, event: SubscribedEvent): TestTarget {
  const pending = endpoint.status === 'active' ? '' : ' · pending';
  return {
    id: targetId(endpoint.id, device.id, event),
    label: `${endpoint.name} · ${device.name} · ${event} · ${endpoint.url}${pending}`,
    webhookId: endpoint.webhookId,
    endpointId: endpoint.id,
    deviceId: device.id,
    event,
    url: endpoint.url,
    status: endpoint.status,
  };
}

/** Every test target of the account, or of one webhook; newest webhooks first. */
export async function listTestTargets(ctx: CoreContext, accountId: string, opts: { webhookId?: string | null } = {}): Promise<TestTarget[]> {
  const where = opts.webhookId
    ? { account: accountId, $or: [{ webhookId: uuidOrNil(opts.webhookId) }, { id: uuidOrNil(opts.webhookId) }] }
    : { account: accountId };
  const endpoints = await ctx.db.orm.em.fork().find(Endpoint, where, {
    populate: ['devices'],
    orderBy: { createdAt: 'desc', channel: 'asc' },
  });
  // Every webhook has a device and an event, so no endpoint means no such webhook here.
  if (opts.webhookId && !endpoints.length) throw notFound('webhook', 'webhookId');
  return endpoints.flatMap((endpoint) =>
    [...endpoint.devices.getItems()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((device) => endpoint.events.map((event) => toTarget(endpoint, device, event))),
  );
}

/** A target with what it needs to be sent: the endpoint (with secret), the device. */
export async function resolveTarget(ctx: CoreContext, accountId: string, id: string): Promise<{ target: TestTarget; endpoint: Endpoint; device: Device }> {
  const parsed = parseTargetId(id);
  if (!parsed) throw notFound('test target', 'targetId');
  const endpoint = await ctx.db.orm.em.fork().findOne(Endpoint, { id: parsed.endpointId, account: accountId }, { populate: ['devices'] });
  const device = endpoint?.devices.getItems().find((d) => d.id === parsed.deviceId);
  if (!endpoint || !device || !endpoint.events.includes(parsed.event)) throw notFound('test target', 'targetId');
  return { target: toTarget(endpoint, device, parsed.event), endpoint, device };
}

export function samplePayloadJson(device: Device, event: SubscribedEvent): string {
  return JSON.stringify(samplePayload(catalogue.eventTypeOf(event), deviceView(device)));
}

export async function getTestTarget(ctx: CoreContext, accountId: string, id: string): Promise<TestTargetDetail> {
  const { target, device, endpoint } = await resolveTarget(ctx, accountId, id);
  const type = catalogue.eventTypeOf(target.event);
  const now = ctx.now();
  return {
    target,
    device: deviceView(device),
    scenario: sampleScenario(type, device.channel),
    payloadPreview: renderBody(samplePayloadJson(device, target.event), Math.floor(now.getTime() / 1000), false),
    requestHeaders: previewHeaders({
      eventName: target.event,
      deviceToken: device.token,
      secret: endpoint.secret ?? null,
      customHeaders: endpoint.customHeaders,
      messageId: 'msg_test_…',
      sentAt: now,
      test: true,
      signatures: previousKeyInUse(endpoint, now) ? 2 : 1,
    }),
  };
}
