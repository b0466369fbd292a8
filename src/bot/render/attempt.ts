import { eventLabel } from '../../core/events/index.js';
import type { AttemptView } from '../../core/logs/attempts.js';
import type { SubscribedEvent } from '../../core/terms.js';
import { esc, pre, shorten, when } from '../html.js';

const result = (a: Pick<AttemptView, 'httpCode' | 'errorCode'>) => (a.httpCode === null ? (a.errorCode ?? 'no response') : `HTTP ${a.httpCode}`);

/** One log row: ✅/❌, time, webhook, event, result, duration. */
export function attemptLine(a: AttemptView): string {
  return `${a.outcome === 'success' ? '✅' : '❌'} ${when(a.startedAt)} · ${esc(a.webhookName)} · ${esc(a.eventName)} · ${esc(result(a))} · ${a.durationMs} ms${a.test ? ' · test' : ''}`;
}

/** Button caption of a log row (plain text, short). */
export function attemptButton(a: AttemptView): string {
  return `${a.outcome === 'success' ? '✅' : '❌'} ${a.startedAt.toISOString().slice(11, 19)} ${a.webhookName} · ${result(a)}`.slice(0, 60);
}

/** The Webhook delivery panel: HTTP code, duration, device, error, cause and fix. */
export function attemptCard(a: AttemptView): string {
  const lines = [
    `<b>Webhook delivery</b> #${esc(a.id)} · ${a.outcome === 'success' ? '✅ Success' : '❌ Failed'}${a.test ? ' (test)' : ''}`,
    `${esc(a.webhookName)} · ${esc(eventLabel(a.eventName as SubscribedEvent) ?? a.eventName)}`,
    esc(a.url),
    `HTTP code: ${a.httpCode ?? '0 (no response)'} · Duration: ${a.durationMs} ms · Attempt ${a.attemptNumber}`,
    `Device: ${a.device ? `${esc(a.device.name)} (${esc(a.device.identifier)})` : 'deleted'}`,
    `Time: ${when(a.startedAt)}`,
  ];
  if (a.errorText) lines.push(`Error: ${esc(shorten(a.errorText, 300))}`);
  if (a.diagnosis) lines.push('', `<b>Cause:</b> ${esc(a.diagnosis.cause)}`, `<b>Fix:</b> ${esc(a.diagnosis.fix)}`);
  if (a.responseBody) lines.push('', 'Response:', pre(shorten(a.responseBody, 500)));
  return lines.join('\n');
}
