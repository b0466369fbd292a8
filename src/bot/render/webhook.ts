import { channelLabel, eventLabel } from '../../core/events/index.js';
import type { AttemptView } from '../../core/logs/attempts.js';
import type { WebhookRow } from '../../core/registry/webhookList.js';
import type { EndpointView } from '../../core/registry/webhooks.js';
import type { EndpointStatus } from '../../core/terms.js';
import { esc, plural, when } from '../html.js';
import { attemptLine } from './attempt.js';

export const statusLabel = (s: EndpointStatus) => (s === 'active' ? '🟢 Active' : '🟡 Pending test');

export const channelsOf = (w: Pick<WebhookRow, 'channel' | 'channels'>) => (w.channel === 'mixed' ? 'Mixed channels' : channelLabel(w.channel));

export function webhookLine(w: WebhookRow, n: number): string {
  return `${n}. <b>${esc(w.name)}</b> — ${statusLabel(w.status)} · ${channelsOf(w)} · ${plural(w.deviceCount, 'device')}`;
}

/** A webhook's details from its endpoints (one per channel), each with its own status. */
export function webhookDetails(endpoints: EndpointView[], attempts: AttemptView[]): string {
  const first = endpoints[0]!;
  const devices = endpoints.flatMap((e) => e.devices.map((d) => `${esc(d.label)} (${channelLabel(d.channel)})`));
  const events = [...new Set(endpoints.flatMap((e) => e.events))];
  const lines = [
    `<b>${esc(first.name)}</b>`,
    esc(first.url),
    ...endpoints.map((e) => `${channelLabel(e.channel)} endpoint: ${statusLabel(e.status)}`),
    `Devices: ${devices.length ? devices.join(', ') : 'none'}`,
    `Events: ${events.map((e) => esc(eventLabel(e))).join(', ')}`,
    `Signing secret: ${first.secretHint ? esc(first.secretHint) : 'none'}`,
    `Created: ${when(first.createdAt)}`,
    '',
    attempts.length ? '<b>Last attempts</b>' : 'No attempts yet.',
    ...attempts.map(attemptLine),
  ];
  return lines.join('\n');
}
