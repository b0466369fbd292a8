import { InlineKeyboard } from 'grammy';
import type { Alert } from '../../core/alerts/types.js';
import { data } from '../callbacks.js';
import { duration, esc, plural, when } from '../html.js';

/** An alert as a chat message: what happened, the newest failure with its cause and fix. */
export function alertText(a: Alert): string {
  const name = `<b>${esc(a.webhookName)}</b>`;
  if (a.kind === 'recovered') return `✅ ${name} recovered: deliveries succeed again after ${plural(a.failures, 'failed attempt')}.\n${esc(a.url)}`;
  const head = a.kind === 'failing' ? `🔴 ${name} is failing` : `🔴 ${name}: ${plural(a.failures, 'more failure')} in the last ${duration(a.windowMs)}`;
  const f = a.lastFailure;
  const lines = [head, esc(a.url)];
  if (f) {
    lines.push(`Last attempt: ${f.httpCode === null ? `no response (${esc(f.errorCode ?? 'error')})` : `HTTP ${f.httpCode}`} at ${when(f.at)}`);
    if (f.diagnosis) lines.push(`<b>Cause:</b> ${esc(f.diagnosis.cause)}`, `<b>Fix:</b> ${esc(f.diagnosis.fix)}`);
  }
  return lines.join('\n');
}

/** Details (diagnosis), Retry now (redeliver the newest failed delivery), Mute 1 h / 24 h. */
export function alertKeyboard(a: Alert): InlineKeyboard | undefined {
  if (a.kind === 'recovered') return undefined;
  const kb = new InlineKeyboard().text('🔎 Details', data.alertDetails(a.endpointId));
  if (a.lastFailure?.deliveryId) kb.text('🔁 Retry now', data.alertRetry(a.lastFailure.deliveryId));
  return kb.row().text('🔕 Mute 1 h', data.alertMute(a.endpointId, 1)).text('🔕 Mute 24 h', data.alertMute(a.endpointId, 24));
}
