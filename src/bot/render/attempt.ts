import { catalogue } from '../../core/catalogue/index.js';
import type { AttemptView } from '../../core/logs/attempts.js';
import { esc, pre, shorten, when } from '../html.js';

const result = (a: Pick<AttemptView, 'httpCode' | 'errorCode'>) => (a.httpCode === null ? (a.errorCode ?? 'no response') : `HTTP ${a.httpCode}`);

/** One log row in product words: ✅/❌, time, webhook, event, channel, result, duration, URL. */
export function attemptLine(a: AttemptView, n?: number): string {
  const head = `${n === undefined ? '' : `${n}. `}${a.outcome === 'success' ? '✅' : '❌'} ${when(a.startedAt)} · <b>${esc(shorten(a.webhookName, 60))}</b>`;
  return `${head} · ${esc(catalogue.eventLabel(a.eventName))} · ${catalogue.channelLabel(a.channel)} · ${esc(result(a))} · ${a.durationMs} ms${a.test ? ' · test' : ''}\n    ${esc(shorten(a.url, 120))}`;
}

/** The Webhook delivery panel: HTTP code, duration, device, error, cause and fix. */
export function attemptCard(a: AttemptView): string {
  const lines = [
    `<b>Webhook delivery</b> #${esc(a.id)} · ${a.outcome === 'success' ? '✅ Success' : '❌ Failed'}${a.test ? ' (test)' : ''}`,
    `${esc(shorten(a.webhookName, 100))} · ${esc(catalogue.eventLabel(a.eventName))} · ${catalogue.channelLabel(a.channel)}`,
    esc(shorten(a.url, 500)),
    `HTTP code: ${a.httpCode ?? '0 (no response)'} · Duration: ${a.durationMs} ms · Attempt ${a.attemptNumber}`,
    `Device: ${a.device ? `${esc(shorten(a.device.name, 100))} (${esc(a.device.identifier)})` : 'deleted'}`,
    `Time: ${when(a.startedAt)}`,
  ];
  if (a.errorText) lines.push(`Error: ${esc(shorten(a.errorText, 300))}`);
  if (a.diagnosis) lines.push('', `<b>Cause:</b> ${esc(a.diagnosis.cause)}`, `<b>Fix:</b> ${esc(a.diagnosis.fix)}`);
  if (a.responseBody) lines.push('', 'Response:', pre(shorten(a.responseBody, 500)));
  return lines.join('\n');
}
