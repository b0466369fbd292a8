import { randomUUID } from 'node:crypto';
import type { InlineKeyboard } from 'grammy';
import { describe, expect, it } from 'vitest';
import { data } from '../src/bot/callbacks.js';
import { alertKeyboard, alertText } from '../src/bot/render/alert.js';
import { attemptCard, attemptLine } from '../src/bot/render/attempt.js';
import { confirmScreen, devicesScreen, eventsScreen } from '../src/bot/render/addScreens.js';
import { devicePicker } from '../src/bot/render/devicePicker.js';
import { previewCard, resultCard } from '../src/bot/render/testCard.js';
import { troubleshootCard } from '../src/bot/render/troubleshoot.js';
import { webhookDetails, webhookLine } from '../src/bot/render/webhook.js';
import { fitList } from '../src/bot/limits.js';
import type { WebhookTroubleshootReport } from '../src/core/diagnose/webhookTroubleshoot.js';
import type { AttemptView } from '../src/core/logs/attempts.js';
import type { DeviceView } from '../src/core/registry/devices.js';
import { CUSTOM_HEADERS_MAX, HEADER_NAME_MAX } from '../src/core/registry/customHeaders.js';
import { RATE_LIMIT_MAX, type DeliverySettings } from '../src/core/registry/endpointSettings.js';
import type { WebhookRow } from '../src/core/registry/webhookList.js';
import type { EndpointView } from '../src/core/registry/webhooks.js';
import type { Channel } from '../src/core/terms.js';
import { catalogue } from '../src/core/catalogue/index.js';
import { constructedAlert } from './helpers/alerts.js';
import { ALERT_KINDS, type AlertKind } from '../src/core/alerts/kinds.js';
import { DISABLED_REASONS } from '../src/core/terms.js';
import { checkTelegramHtml, LIMITS } from './helpers/telegramLimits.js';
import { plain } from './helpers/telegramServer.js';

/**
 * Every screen of the bot rendered at the product's maxima (500 devices on a webhook, 100
 * webhooks, names of 100 characters, URLs of 2,048, response bodies of 4 KB) fits what
 * Telegram accepts: 4,096 characters of text, HTML it parses, 64-byte callback data and at
 * most 100 buttons.
 */

const LONG_NAME = 'N'.repeat(99) + '&';
const LONG_URL = `https://${'h'.repeat(60)}.example.com/${'p'.repeat(2048 - 86)}?a=<b>&c=1`;
const CHANNEL_OF = (i: number): Channel => (['whatsapp', 'telegram', 'waba'] as const)[i % 3]!;

const device = (i: number, channel: Channel = CHANNEL_OF(i)): DeviceView => ({
  id: randomUUID(),
  accountId: randomUUID(),
  channel,
  token: `dev_${'t'.repeat(40)}`,
  name: `${LONG_NAME}${i}`,
  identifier: channel === 'telegram' ? '@a_very_long_bot_name_of_thirty_two_chars_bot' : '628123456789012',
  inboundHandler: i % 2 ? 'autoreply' : 'webhook',
  label: `${LONG_NAME}${i} (${channel === 'telegram' ? '@a_very_long_bot_name_bot' : '+628123456789012'})`,
});

const DEVICES = Array.from({ length: 500 }, (_, i) => device(i));

const endpoint = (channel: Channel, devices: DeviceView[]): EndpointView => ({
  id: randomUUID(),
  webhookId: randomUUID(),
  batchId: randomUUID(),
  channel,
  name: LONG_NAME,
  url: LONG_URL,
  secretHint: '••••1234',
  events: catalogue.subscribableNames(),
  // Disabled: the longest status a details screen shows (why and since when).
  status: 'disabled',
  devices,
  createdAt: new Date(),
  activatedAt: null,
  disabledReason: 'failing',
  disabledAt: new Date(),
});
const ENDPOINTS = (['whatsapp', 'telegram', 'waba'] as const).map((ch) => endpoint(ch, DEVICES.filter((d) => d.channel === ch)));

const attempt = (i: number): AttemptView => ({
  id: String(900_000_000_000_000_000n + BigInt(i)),
  deliveryId: String(900_000_000_000_000_000n + BigInt(i)),
  endpointId: ENDPOINTS[0]!.id,
  webhookName: LONG_NAME,
  deviceId: DEVICES[0]!.id,
  device: { name: LONG_NAME, identifier: '628123456789012', token: 'dev_x' },
  channel: 'whatsapp',
  eventName: 'submission.completed',
  url: LONG_URL,
  test: false,
  startedAt: new Date(),
  durationMs: 45_000,
  httpCode: null,
  outcome: 'failed',
  errorCode: 'timeout',
  errorText: `<${'e'.repeat(5000)}>`,
  responseBody: `<html>${'&'.repeat(4096)}</html>`,
  attemptNumber: 12,
  diagnosis: { code: 'timeout', cause: 'Your server did not answer within 45 s.', fix: 'Answer within the timeout, then send a new test.' },
});

function expectFits(what: string, html: string, keyboard?: InlineKeyboard) {
  expect(checkTelegramHtml(html), `${what}: HTML`).toBeNull();
  expect(plain(html).length, `${what}: text length`).toBeLessThanOrEqual(LIMITS.messageText);
  const buttons = keyboard?.inline_keyboard.flat() ?? [];
  expect(buttons.length, `${what}: buttons`).toBeLessThanOrEqual(LIMITS.buttons);
  for (const row of keyboard?.inline_keyboard ?? []) expect(row.length, `${what}: buttons in a row`).toBeLessThanOrEqual(LIMITS.buttonsPerRow);
  for (const b of buttons) {
    const cb = 'callback_data' in b ? b.callback_data : '';
    expect(Buffer.byteLength(cb), `${what}: callback data ${cb}`).toBeLessThanOrEqual(LIMITS.callbackData);
  }
}

/** A webhook's delivery settings at their maxima: ten headers with the longest names, a rotation overlapping. */
const SETTINGS: DeliverySettings = {
  webhookId: randomUUID(),
  customHeaders: Array.from({ length: CUSTOM_HEADERS_MAX }, (_, i) => ({ name: `X-${String(i)}${'n'.repeat(HEADER_NAME_MAX - 3)}`.slice(0, HEADER_NAME_MAX), valueHint: '••••abcd' })),
  rateLimit: RATE_LIMIT_MAX,
  previousKeyUntil: new Date(),
};
const LONGEST_HEADERS = Array.from({ length: CUSTOM_HEADERS_MAX }, (_, i) => ({ name: `x-${i}${'n'.repeat(HEADER_NAME_MAX - 3)}`, value: '••••abcd' }));

describe('every screen fits Telegram at the product maxima', () => {
  it('a webhook with 500 devices: details, Edit devices, /why with every device failing', () => {
    expectFits('details', webhookDetails(ENDPOINTS, Array.from({ length: 5 }, (_, i) => attempt(i)), ENDPOINTS.map((e) => ({ endpointId: e.id, mutedUntil: new Date() })), SETTINGS));
    const state = { tab: 'whatsapp' as const, page: 3, deviceIds: DEVICES.map((d) => d.id) };
    const picker = devicePicker(state, DEVICES, { tab: data.editTab, toggle: data.editDevice, done: { text: 'Save', data: data.editSave }, cancel: data.editCancel });
    expectFits('edit devices', picker.lines.join('\n'), picker.keyboard);

    const failing = (d: DeviceView) => ({ device: d, checks: [{ check: 'device_handler', passed: false, detail: 'x', fix: 'y', action: 'device_handler' as const }] });
    const report: WebhookTroubleshootReport = {
      webhookId: ENDPOINTS[0]!.webhookId,
      name: LONG_NAME,
      url: LONG_URL,
      healthy: false,
      urlChecks: [{ check: 'url_public', passed: false, detail: 'd'.repeat(300), fix: 'f', action: 'edit_url' }],
      endpoints: ENDPOINTS.map((e) => ({
        endpointId: e.id,
        channel: e.channel,
        status: e.status,
        checks: [{ check: 'recent_attempts', passed: false, detail: 'r'.repeat(300), fix: 'g'.repeat(200), action: 'open_logs' }],
        devices: { total: e.devices.length, passed: 0, failing: e.devices.map(failing) },
      })),
    };
    const card = troubleshootCard(report);
    expectFits('/why', card);
    expect(plain(card)).toMatch(/… and \d+ more devices/);
  });

  it('the /add form with 500 devices selected, all events, a long name and URL', () => {
    const d = { step: 'confirm' as const, name: LONG_NAME, url: LONG_URL, tab: 'waba' as const, page: 9, deviceIds: DEVICES.map((x) => x.id), events: catalogue.subscribableNames(), secretHint: '••••1234' };
    const dev = devicesScreen(d, DEVICES);
    expectFits('devices step', dev.text, dev.keyboard);
    const ev = eventsScreen(d, catalogue.subscribableNames());
    expectFits('events step', ev.text, ev.keyboard);
    const confirm = confirmScreen(d, DEVICES);
    expectFits('confirm step', confirm.text, confirm.keyboard);
  });

  it('lists: a page of webhooks, of logs, of /status rows', () => {
    const row: WebhookRow = { id: randomUUID(), name: LONG_NAME, url: LONG_URL, channel: 'mixed', channels: ['whatsapp', 'waba'], deviceCount: 500, events: ['submission'], status: 'active', secretHint: null, endpoints: ENDPOINTS, createdAt: new Date(), delivery: SETTINGS };
    expectFits('webhooks page', Array.from({ length: 5 }, (_, i) => webhookLine(row, 95 + i)).join('\n'));
    expectFits('logs page', fitList(['📜 Logs'], Array.from({ length: 6 }, (_, i) => attemptLine(attempt(i), 9990 + i)), ['tail'], (n) => `… ${n} more`));
    expectFits('logs row', attemptCard(attempt(1)));
  });

  it('Send test: a preview of the longest sample and a result with a 4 KB response', () => {
    const target = { id: 'tt_x', label: `${LONG_NAME} · ${LONG_NAME} · submission · ${LONG_URL} · pending`, webhookId: randomUUID(), endpointId: randomUUID(), deviceId: randomUUID(), event: 'submission' as const, url: LONG_URL, status: 'pending_test' as const };
    expectFits('preview', previewCard({ target, device: DEVICES[0]!, scenario: 's'.repeat(300), payloadPreview: JSON.stringify({ big: 'x'.repeat(8000) }), requestHeaders: LONGEST_HEADERS }));
    expectFits('result', resultCard({ success: false, httpStatus: 500, durationMs: 10, responseBody: '<'.repeat(4096), errorText: 'e'.repeat(4096), diagnosis: attempt(0).diagnosis, activatedEndpointIds: [], attemptId: '1' } as never));
  });

  it('alerts of a long-named webhook on a long URL: every kind (a disabled one for every reason), alone and once resolved', () => {
    const lastFailure = { deliveryId: '900000000000000000', httpCode: null, errorCode: 'timeout', at: new Date(), webhookName: LONG_NAME, url: LONG_URL, diagnosis: attempt(0).diagnosis };
    const common = { endpointId: ENDPOINTS[0]!.id, webhookName: LONG_NAME, url: LONG_URL, failures: 1_000_000, lastFailure };
    const recovered = constructedAlert({ ...common, kind: 'recovered', lastFailure: null });
    const reasons = (kind: AlertKind) => (kind === 'disabled' ? DISABLED_REASONS : [null]);
    for (const kind of ALERT_KINDS) {
      for (const disabledReason of reasons(kind)) {
        const alert = constructedAlert({ ...common, kind, disabledReason, lastFailure: kind === 'recovered' ? null : lastFailure });
        const what = `${kind}${disabledReason ? ` (${disabledReason})` : ''}`;
        expectFits(what, alertText(alert), alertKeyboard(alert));
        expectFits(`${what}, resolved`, alertText(alert, recovered));
      }
    }
  });
});
