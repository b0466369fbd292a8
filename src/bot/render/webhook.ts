import { catalogue } from '../../core/catalogue/index.js';
import type { AttemptView } from '../../core/logs/attempts.js';
import { channelsLabel, type WebhookRow } from '../../core/registry/webhookList.js';
import type { DeliverySettings } from '../../core/registry/endpointSettings.js';
import type { EndpointView } from '../../core/registry/webhooks.js';
import type { DisabledReason, EndpointStatus } from '../../core/terms.js';
import { esc, plural, shorten, when } from '../html.js';
import { fitList } from '../limits.js';
import { attemptLine } from './attempt.js';
import { deliveryLines } from './delivery.js';

const STATUS_LABELS: Record<EndpointStatus, string> = { active: '🟢 Active', pending_test: '🟡 Pending test', disabled: '⛔ Disabled' };
export const statusLabel = (s: EndpointStatus) => STATUS_LABELS[s];

const DISABLED_WHY: Record<DisabledReason, string> = { gone: 'the receiver answered 410 Gone', failing: 'every attempt failed for too long', manual: 'disabled by an admin' };

/** An endpoint's status, with why and since when it is Disabled. */
export function endpointStatusLine(e: Pick<EndpointView, 'status' | 'disabledReason' | 'disabledAt'>): string {
  if (e.status !== 'disabled') return statusLabel(e.status);
  return `${statusLabel(e.status)} (${DISABLED_WHY[e.disabledReason ?? 'manual']}${e.disabledAt ? `, since ${when(e.disabledAt)}` : ''})`;
}

export function webhookLine(w: WebhookRow, n: number): string {
  const rate = w.delivery.rateLimit === null ? '' : ` · ≤ ${w.delivery.rateLimit}/s`;
  return `${n}. <b>${esc(shorten(w.name, 100))}</b> — ${statusLabel(w.status)} · ${channelsLabel(w)} · ${plural(w.deviceCount, 'device')}${rate}`;
}

/** Devices on one line each would not fit a big webhook: they are counted per channel, and named while few. */
const NAMED_DEVICES = 10;

/** A webhook's details from its endpoints (one per channel), each with its own status and mute. */
export function webhookDetails(endpoints: EndpointView[], attempts: AttemptView[], mutes: Array<{ endpointId: string; mutedUntil: Date }>, settings: DeliverySettings): string {
  const first = endpoints[0]!;
  const devices = endpoints.flatMap((e) => e.devices.map((d) => `${esc(d.label)} (${catalogue.channelLabel(d.channel)})`));
  const events = [...new Set(endpoints.flatMap((e) => e.events))];
  const muteOf = (e: EndpointView) => mutes.find((m) => m.endpointId === e.id);
  const head = [
    `<b>${esc(first.name)}</b>`,
    esc(first.url),
    ...endpoints.map((e) => {
      const mute = muteOf(e);
      return `${catalogue.channelLabel(e.channel)} endpoint: ${endpointStatusLine(e)} · ${plural(e.devices.length, 'device')}${mute ? ` · 🔕 alerts muted until ${when(mute.mutedUntil)}` : ''}`;
    }),
    devices.length <= NAMED_DEVICES ? `Devices: ${devices.length ? devices.join(', ') : 'none'}` : `Devices: ${plural(devices.length, 'device')} (📱 Devices lists them)`,
    `Events: ${events.map((e) => esc(catalogue.eventLabel(e))).join(', ')}`,
    `Signing secret: ${first.secretHint ? esc(first.secretHint) : 'none'}`,
    ...deliveryLines(settings),
    `Created: ${when(first.createdAt)}`,
    '',
    attempts.length ? '<b>Last attempts</b>' : 'No attempts yet.',
  ];
  return fitList(head, attempts.map(attemptLine), [], (n) => `… ${n} more in /logs`);
}
