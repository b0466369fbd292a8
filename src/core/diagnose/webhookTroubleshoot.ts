import type { CoreContext } from '../context.js';
import type { DeviceView } from '../registry/devices.js';
import { getWebhookEndpoints } from '../registry/webhooks.js';
import type { Channel, EndpointStatus, SubscribedEvent } from '../terms.js';
import { attemptsCheck, deviceChecks, eventChecks, parseEvent, statusCheck, urlChecks, type TroubleshootCheck } from './troubleshoot.js';

/** The devices of one endpoint, checked: how many pass, and each one that does not, with why. */
export interface DeviceFindings {
  total: number;
  passed: number;
  failing: Array<{ device: DeviceView; checks: TroubleshootCheck[] }>;
}

export interface EndpointFindings {
  endpointId: string;
  channel: Channel;
  status: EndpointStatus;
  /** Status, event and recent attempts of this endpoint. */
  checks: TroubleshootCheck[];
  devices: DeviceFindings;
}

/** The checklist for a whole webhook: the URL once, each endpoint, each linked device. */
export interface WebhookTroubleshootReport {
  webhookId: string;
  name: string;
  url: string;
  urlChecks: TroubleshootCheck[];
  endpoints: EndpointFindings[];
  healthy: boolean;
}

/**
 * "Why do live events not arrive?" for a webhook as a person sees it (one URL, one or more
 * channels, any number of devices). Device checks need no query, so a webhook with 500
 * devices costs what one with one device costs; the report groups passing devices into a
 * count so that any door can show it whole.
 */
export async function troubleshootWebhook(
  ctx: CoreContext,
  accountId: string,
  input: { webhookId: string; event?: SubscribedEvent | string | null },
): Promise<WebhookTroubleshootReport> {
  const event = parseEvent(input.event);
  const endpoints = await getWebhookEndpoints(ctx, accountId, input.webhookId);
  const first = endpoints[0]!;
  const [url, ...attempts] = await Promise.all([urlChecks(ctx, first.url), ...endpoints.map((e) => attemptsCheck(ctx, accountId, e))]);
  const findings = endpoints.map((e, i): EndpointFindings => {
    const perDevice = e.devices.map((device) => ({ device, checks: deviceChecks(e, device, event) }));
    const failing = perDevice.filter((d) => d.checks.some((c) => !c.passed));
    return {
      endpointId: e.id,
      channel: e.channel,
      status: e.status,
      checks: [statusCheck(e), ...eventChecks(e, event), attempts[i]!],
      devices: { total: perDevice.length, passed: perDevice.length - failing.length, failing },
    };
  });
  const healthy = url.every((c) => c.passed) && findings.every((f) => f.checks.every((c) => c.passed) && f.devices.failing.length === 0);
  return { webhookId: first.webhookId, name: first.name, url: first.url, urlChecks: url, endpoints: findings, healthy };
}
