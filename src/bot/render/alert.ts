import { InlineKeyboard } from 'grammy';
import type { Alert } from '../../core/alerts/types.js';
import { data } from '../callbacks.js';
import type { DisabledReason } from '../../core/terms.js';
import { duration, esc, plural, when } from '../html.js';

const DISABLED_WHY: Record<DisabledReason, string> = { gone: 'its receiver answered 410 Gone', failing: 'every attempt failed for too long', manual: 'an admin disabled it' };

/** An alert as a chat message: what happened, the newest failure with its cause and fix. */
export function alertText(a: Alert): string {
  const name = `<b>${esc(a.webhookName)}</b>`;
  if (a.kind === 'recovered') return `✅ ${name} recovered: deliveries succeed again after ${plural(a.failures, 'failed attempt')}.\n${esc(a.url)}`;
  if (a.kind === 'disabled') {
    return [
      `⛔ ${name} is disabled (${DISABLED_WHY[a.disabledReason ?? 'manual']}) since ${when(a.at)}: it receives no events until it is enabled again.`,
      esc(a.url),
      'Deliveries already queued are kept. Fix the receiver, tap ✅ Enable, then send a test: once it is Active they are delivered.',
    ].join('\n');
  }
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
  if (a.kind === 'disabled') return new InlineKeyboard().text('✅ Enable', data.enable(a.endpointId)).text('🔎 Details', data.alertDetails(a.endpointId));
  const kb = new InlineKeyboard().text('🔎 Details', data.alertDetails(a.endpointId));
  if (a.lastFailure?.deliveryId) kb.text('🔁 Retry now', data.alertRetry(a.lastFailure.deliveryId));
  return kb.row().text('🔕 Mute 1 h', data.alertMute(a.endpointId, 1)).text('🔕 Mute 24 h', data.alertMute(a.endpointId, 24));
}
