import { InlineKeyboard } from 'grammy';
import type { AlertKind } from '../../core/alerts/kinds.js';
import type { Alert, AlertAction } from '../../core/alerts/types.js';
import type { DisabledReason } from '../../core/terms.js';
import { data } from '../callbacks.js';
import { duration, esc, plural, when } from '../html.js';

/** What an alert of each kind says first: an icon and a headline (the webhook's name is HTML already). */
const HEADLINE = {
  failing: (_a, name) => ['🔴', `${name} is failing`],
  grouped: (a, name) => ['🔴', `${name}: ${plural(a.failures, 'more failure')} in the last ${duration(a.windowMs)}`],
  disabled: (a, name) => ['⛔', `${name} is disabled${a.disabledReason ? ` ${DISABLED_BECAUSE[a.disabledReason](a)}` : ''}: it receives no events until it is enabled again`],
  recovered: (a, name) => ['✅', `${name} recovered: deliveries succeed again after ${plural(a.failures, 'failed attempt')}.`],
} satisfies Record<AlertKind, (a: Alert, name: string) => [icon: string, text: string]>;

const DISABLED_BECAUSE = {
  gone: () => 'because the receiver answered 410 Gone',
  failing: (a) => (a.failures ? `after ${plural(a.failures, 'failed attempt')} in a row` : 'because every live attempt failed for too long'),
  manual: () => 'by an admin',
} satisfies Record<DisabledReason, (a: Alert) => string>;

/**
 * An alert as a chat message: what happened, the newest failure with its cause and fix.
 * `resolvedBy`: the recovery that closed the episode; the message then says so at the top,
 * and is shown without buttons (alertKeyboard is not sent with it).
 */
export function alertText(a: Alert, resolvedBy?: Alert): string {
  const [icon, head] = HEADLINE[a.kind](a, `<b>${esc(a.webhookName)}</b>`);
  const lines = resolvedBy ? [`✅ <b>Resolved</b> at ${when(resolvedBy.at)}: deliveries succeed again.`, `⚪ ${head}`] : [`${icon} ${head}`];
  lines.push(esc(a.url));
  const f = a.lastFailure;
  if (f) {
    lines.push(`Last attempt: ${f.httpCode === null ? `no response (${esc(f.errorCode ?? 'error')})` : `HTTP ${f.httpCode}`} at ${when(f.at)}`);
    if (f.diagnosis) lines.push(`<b>Cause:</b> ${esc(f.diagnosis.cause)}`, `<b>Fix:</b> ${esc(f.diagnosis.fix)}`);
  }
  return lines.join('\n');
}

/** The alert's actions (decided in core) as buttons: Details and Retry now or Enable on one row, the mutes below. */
export function alertKeyboard(a: Alert): InlineKeyboard | undefined {
  if (!a.actions.length) return undefined;
  const kb = new InlineKeyboard();
  const main = a.actions.filter((x) => x.kind !== 'mute');
  const mutes = a.actions.filter((x) => x.kind === 'mute');
  for (const x of main) kb.text(...button(x));
  if (main.length && mutes.length) kb.row();
  for (const x of mutes) kb.text(...button(x));
  return kb;
}

function button(x: AlertAction): [string, string] {
  switch (x.kind) {
    case 'details':
      return ['🔎 Details', data.alertDetails(x.endpointId)];
    case 'retry':
      return ['🔁 Retry now', data.alertRetry(x.deliveryId)];
    case 'mute':
      return [`🔕 Mute ${x.hours} h`, data.alertMute(x.endpointId, x.hours)];
    case 'enable':
      return ['✅ Enable', data.enable(x.endpointId)];
  }
}
