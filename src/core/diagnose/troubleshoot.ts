import { latestOutcomes } from '../../db/sql/recentAttempts.js';
import type { CoreContext } from '../context.js';
import { invalid } from '../errors.js';
import { catalogue } from '../catalogue/index.js';
import { getDevice, type DeviceView } from '../registry/devices.js';
import { getEndpoint, type EndpointView } from '../registry/webhooks.js';
import { allowsPlainHttp, classifyAddress, inspectTarget, type TargetInspection } from '../security/urlGuard.js';
import { inboundHandlerLabel, type SubscribedEvent } from '../terms.js';
import { diagnose } from './diagnose.js';

/**
 * What a door can offer to fix a failed check: its own button or command (the bot's Send test,
 * Edit devices, …) instead of the web dashboard's words in `fix`.
 */
export type TroubleshootAction = 'send_test' | 'enable' | 'edit_url' | 'edit_devices' | 'edit_events' | 'device_handler' | 'open_logs';

/** One line of the guide's symptom checklists, checked against the real configuration. */
export interface TroubleshootCheck {
  /** Stable key: endpoint_active, url_https, url_public, device_linked, device_handler, event_checked, recent_attempts. */
  check: string;
  passed: boolean;
  /** What was found, in a sentence. */
  detail: string;
  /** What to do, in the guide's words; null when passed. */
  fix: string | null;
  /** The operation that fixes it, when there is one; null when passed. */
  action: TroubleshootAction | null;
}

export interface TroubleshootReport {
  endpoint: EndpointView;
  device: DeviceView | null;
  checks: TroubleshootCheck[];
  /** True when every check passed. */
  healthy: boolean;
}

const pass = (check: string, detail: string): TroubleshootCheck => ({ check, passed: true, detail, fix: null, action: null });
const fail = (check: string, detail: string, fix: string, action: TroubleshootAction | null): TroubleshootCheck => ({ check, passed: false, detail, fix, action });

/**
 * "Why do live events not arrive?" Walks the guide's checklists (Status stays Pending test;
 * Test succeeds but live messages never arrive; Incoming Message never fires; Submission
 * never fires; timeout or connection error) for an endpoint, optionally one device and one
 * event, and reports each check with the fix.
 */
export async function troubleshoot(
  ctx: CoreContext,
  accountId: string,
  input: { endpointId: string; deviceId?: string | null; event?: SubscribedEvent | string | null },
): Promise<TroubleshootReport> {
  const event = parseEvent(input.event);
  const endpoint = await getEndpoint(ctx, accountId, input.endpointId);
  const device = input.deviceId ? await getDevice(ctx, accountId, input.deviceId) : null;
  const checks = [
    statusCheck(endpoint),
    ...(await urlChecks(ctx, endpoint.url)),
    ...(device ? deviceChecks(endpoint, device, event) : []),
    ...eventChecks(endpoint, event),
    await attemptsCheck(ctx, accountId, endpoint),
  ];
  return { endpoint, device, checks, healthy: checks.every((c) => c.passed) };
}

export function parseEvent(event: SubscribedEvent | string | null | undefined): SubscribedEvent | null {
  if (event != null && !catalogue.isSubscribedEvent(event)) throw invalid('event', `must be one of ${catalogue.subscribableNames().join(', ')}`);
  return event ?? null;
}

const DISABLED_BECAUSE = {
  gone: 'its receiver answered 410 Gone (the endpoint no longer exists there)',
  failing: 'every live attempt failed for a sustained time',
  manual: 'an admin disabled it',
} as const;

export function statusCheck(endpoint: EndpointView): TroubleshootCheck {
  if (endpoint.status === 'disabled') {
    const since = endpoint.disabledAt ? ` since ${endpoint.disabledAt.toISOString()}` : '';
    return fail(
      'endpoint_active',
      `The endpoint is Disabled${since}: ${DISABLED_BECAUSE[endpoint.disabledReason ?? 'manual']}. Disabled endpoints receive no live traffic; deliveries queued for them are kept.`,
      'Fix the receiver, then Enable the webhook: it goes to Pending test, and a successful Send test makes it Active and delivers what was kept (Redeliver failed brings back what had failed for good).',
      'enable',
    );
  }
  return endpoint.status === 'active'
    ? pass('endpoint_active', 'The endpoint is Active.')
    : fail('endpoint_active', 'The endpoint is Pending test: only Active endpoints receive live traffic.', 'Open Webhooks → Test and send a test — your URL must return 200 or 201.', 'send_test');
}

/**
 * The URL's checks: one URL per webhook, so a webhook checks it once whatever its channels.
 * Judged by the same policy as deliveries (urlGuard.ts), so a URL the settings let deliveries
 * reach passes, saying which setting allows it; only a URL deliveries cannot reach fails.
 */
export async function urlChecks(ctx: CoreContext, target: string): Promise<TroubleshootCheck[]> {
  const url = new URL(target);
  const delivery = await inspectTarget(url, ctx.targets);
  // With ALLOW_PRIVATE_TARGETS deliveries skip the address rules (and DNS); the public verdict
  // tells whether the URL passes only because of that setting, or does not resolve at all.
  const publicOnly = ctx.targets.allowPrivate ? await inspectTarget(url, { ...ctx.targets, allowPrivate: false }) : delivery;
  return [httpsCheck(url, allowsPlainHttp(ctx.targets)), publicCheck(delivery, publicOnly)];
}

function httpsCheck(url: URL, httpAllowed: boolean): TroubleshootCheck {
  if (url.protocol === 'https:') return pass('url_https', 'The URL uses HTTPS.');
  return httpAllowed
    ? pass('url_https', 'The URL uses plain http://, which this gateway allows (ALLOW_HTTP_TARGETS); a receiver on the internet should use HTTPS.')
    : fail('url_https', 'The URL uses plain http://.', 'Confirm the URL is HTTPS and reachable from the public internet.', 'edit_url');
}

function publicCheck(delivery: TargetInspection, publicOnly: TargetInspection): TroubleshootCheck {
  if (delivery.status === 'refused') return fail('url_public', delivery.error.message, 'Use an address reachable from the public internet (not localhost or a private IP).', 'edit_url');
  const dns = delivery.status === 'unresolved' ? delivery : publicOnly.status === 'unresolved' ? publicOnly : null;
  if (dns) return fail('url_public', `The host name does not resolve (${dns.code}).`, 'Verify DNS for the host name in the URL.', 'edit_url');
  if (publicOnly.status === 'refused') {
    return pass('url_public', 'The URL is not on the public internet (loopback, a private network or an internal name); ALLOW_PRIVATE_TARGETS lets deliveries reach it (development only).');
  }
  if (publicOnly.status === 'allowed' && publicOnly.addresses.some((a) => !classifyAddress(a).allowed)) {
    return pass('url_public', 'The URL points to a private address that ALLOWED_PRIVATE_TARGETS allows.');
  }
  return pass('url_public', 'The URL points to a public address.');
}

/** A device's checks against an endpoint (no query: the endpoint carries its devices). */
export function deviceChecks(endpoint: EndpointView, device: DeviceView, event: SubscribedEvent | null): TroubleshootCheck[] {
  const checks: TroubleshootCheck[] = [];
  const linked = endpoint.devices.some((d) => d.id === device.id);
  checks.push(
    linked
      ? pass('device_linked', `${device.label} is linked to the endpoint.`)
      : fail('device_linked', `${device.label} is not linked to this endpoint.`, "Edit the webhook, switch to the device's channel tab and select the device, then Save → test.", 'edit_devices'),
  );
  // Events that fire only for one On incoming message handler (Incoming Message: Webhook).
  const types = [...new Set((event ? [event] : endpoint.events).map((e) => catalogue.eventTypeOf(e)))];
  for (const type of types) {
    const needed = catalogue.handlerNeeded(type);
    if (needed === null) continue;
    checks.push(
      device.inboundHandler === needed
        ? pass('device_handler', `The device's On incoming message handler is ${inboundHandlerLabel(needed)}.`)
        : fail(
            'device_handler',
            `The device's On incoming message handler is ${inboundHandlerLabel(device.inboundHandler)}, so no ${catalogue.eventLabel(type)} events fire.`,
            `Open the device edit dialog and set On incoming message → ${inboundHandlerLabel(needed)}.`,
            'device_handler',
          ),
    );
  }
  return checks;
}

export function eventChecks(endpoint: EndpointView, event: SubscribedEvent | null): TroubleshootCheck[] {
  if (!event) return [];
  const subscribed = endpoint.events.some((e) => catalogue.eventTypeOf(e) === catalogue.eventTypeOf(event));
  const eventLabel = catalogue.eventLabel(event);
  return [
    subscribed
      ? pass('event_checked', `${eventLabel} is checked on the endpoint.`)
      : fail('event_checked', `${eventLabel} is not checked on the endpoint: only checked events fire.`, `Enable ${eventLabel} in the endpoint editor.`, 'edit_events'),
  ];
}

export async function attemptsCheck(ctx: CoreContext, accountId: string, endpoint: EndpointView): Promise<TroubleshootCheck> {
  const latest = await latestOutcomes(ctx.db.pool, accountId, endpoint.id);
  if (!latest.live) return pass('recent_attempts', 'No live attempts yet. If events should have arrived, check the items above, then trigger a real message or use Webhooks → Test.');
  if (latest.live.outcome === 'success') return pass('recent_attempts', 'The latest live attempt succeeded.');
  const d = diagnose({ httpCode: latest.live.http_code, errorCode: latest.live.error_code, test: false, hasSecret: endpoint.secretHint !== null }, ctx.config.delivery);
  const testPassed = latest.test?.outcome === 'success';
  return fail(
    'recent_attempts',
    `The latest live attempt failed (${latest.live.failed_recent} of the last 50 live attempts failed): ${d?.cause ?? 'see Webhooks → Logs'}`,
    `${d?.fix ?? 'Review Webhooks → Logs for the error text.'}${testPassed ? ' Tests succeed, so also check that your handler does not reject live payloads: they carry "production": true.' : ''}`,
    'open_logs',
  );
}
