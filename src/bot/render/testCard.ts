import type { TestResult } from '../../core/sendTest/sendTest.js';
import type { TestTargetDetail } from '../../core/sendTest/targets.js';
import { esc, plural, pre, shorten } from '../html.js';

/** Telegram messages hold 4096 characters; the preview keeps well under with the rest of the card. */
const PREVIEW_MAX = 1500;
/** Ten custom headers at their longest would not fit: the contract's and the first ones do. */
const HEADERS_MAX = 900;

/** Webhooks → Test: the target's label, the scenario, and the payload preview as a code block. */
export function previewCard(d: TestTargetDetail): string {
  let body = d.payloadPreview;
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    /* shown as sent */
  }
  return [
    '🧪 <b>Send test</b>',
    esc(shorten(d.target.label, 500)),
    `Scenario: ${esc(shorten(d.scenario, 300))}`,
    '',
    '<b>Request headers</b>',
    pre(shorten(d.requestHeaders.map((h) => `${h.name}: ${h.value}`).join('\n'), HEADERS_MAX)),
    '<b>Payload preview</b> (formatted; sent as one line with "production": false)',
    pre(shorten(body, PREVIEW_MAX), 'json'),
  ].join('\n');
}

/** The result card: Success or Failed, HTTP status, duration, response body; cause and fix on failure. */
export function resultCard(r: TestResult): string {
  const lines = [
    `${r.success ? '✅ <b>Success</b>' : '❌ <b>Failed</b>'} · ${r.httpStatus === null ? 'no response' : `HTTP ${r.httpStatus}`} · ${r.durationMs} ms`,
  ];
  if (r.responseBody) lines.push('Response:', pre(shorten(r.responseBody, 500)));
  if (r.errorText) lines.push(`Error: ${esc(shorten(r.errorText, 300))}`);
  if (r.diagnosis) lines.push(`<b>Cause:</b> ${esc(r.diagnosis.cause)}`, `<b>Fix:</b> ${esc(r.diagnosis.fix)}`);
  const n = r.activatedEndpointIds.length;
  if (n) lines.push(`🟢 Active: ${plural(n, 'endpoint')} of this batch now ${n === 1 ? 'receives' : 'receive'} live events.`);
  return lines.join('\n');
}
