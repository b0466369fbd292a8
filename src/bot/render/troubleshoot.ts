import { catalogue } from '../../core/catalogue/index.js';
import type { TroubleshootAction, TroubleshootCheck } from '../../core/diagnose/troubleshoot.js';
import type { WebhookTroubleshootReport } from '../../core/diagnose/webhookTroubleshoot.js';
import { esc, plural, shorten } from '../html.js';
import { fitList } from '../limits.js';

const TITLES: Record<string, string> = {
  endpoint_active: 'Endpoint is Active',
  url_https: 'URL scheme',
  url_public: 'URL address',
  device_linked: 'Device is linked',
  device_handler: 'On incoming message → Webhook',
  event_checked: 'Event is checked',
  recent_attempts: 'Recent live attempts',
};

/** The fix in this chat's words: its buttons and commands, not the web dashboard's. */
const FIXES: Record<TroubleshootAction, string> = {
  send_test: 'tap 🧪 Send test below (or /test): your URL must return 200 or 201.',
  enable: 'fix the receiver, then open the webhook (📜 Details) → ✅ Enable and send a test: what was kept is delivered once it is Active.',
  edit_url: 'open the webhook (📜 Details) → ✏️ Edit → URL and give a public HTTPS address.',
  edit_devices: 'open the webhook (📜 Details) → 📱 Devices and select the device, then send a test.',
  edit_events: 'open the webhook (📜 Details) → ✏️ Edit → Events and check the event.',
  device_handler: "in the device's settings, set On incoming message → Webhook.",
  open_logs: '',
};

function fixLine(c: TroubleshootCheck): string {
  // The log's own diagnosis says what to do about a failed attempt; the bot adds where to look.
  const words = c.action === 'open_logs' || !c.action ? `${c.fix ?? ''}${c.action === 'open_logs' ? ' /logs shows each attempt.' : ''}` : FIXES[c.action];
  return `   → ${esc(words)}`;
}

export function checkLines(checks: TroubleshootCheck[]): string[] {
  return checks.flatMap((c) => {
    const head = `${c.passed ? '✅' : '❌'} <b>${esc(TITLES[c.check] ?? c.check)}</b>: ${esc(c.detail)}`;
    return !c.passed ? [head, fixLine(c)] : [head];
  });
}

/**
 * /why as one message, whatever the webhook's size: the URL's checks once, each endpoint's
 * own, then its devices as a count of those that pass and a line for each that does not
 * (as many as fit; the rest are counted).
 */
export function troubleshootCard(r: WebhookTroubleshootReport): string {
  const head = [`🩺 <b>${esc(r.name)}</b>: ${r.healthy ? 'every check passed' : 'found something to fix'}`, esc(shorten(r.url, 500)), '', ...checkLines(r.urlChecks)];
  const body: string[] = [];
  const devices: string[] = [];
  for (const e of r.endpoints) {
    body.push('', `<b>${catalogue.channelLabel(e.channel)} endpoint</b>`, ...checkLines(e.checks));
    const d = e.devices;
    if (!d.total) body.push('⚠️ No device linked: nothing can reach this endpoint.');
    else if (!d.failing.length) body.push(`✅ <b>Devices</b>: all ${plural(d.total, 'device')} are set up to send.`);
    else {
      body.push(`❌ <b>Devices</b>: ${d.passed} of ${d.total} ready, ${d.failing.length} not:`);
      // One fix for all, then one line per device that needs it.
      const fixes = [...new Set(d.failing.flatMap((f) => f.checks.filter((c) => !c.passed)).map(fixLine))];
      body.push(...fixes);
      devices.push(...d.failing.map((f) => `   • ${esc(shorten(f.device.label, 80))} (${catalogue.channelLabel(f.device.channel)}): ${f.checks.filter((c) => !c.passed).map((c) => esc(TITLES[c.check] ?? c.check)).join(', ')} ✗`));
    }
  }
  return fitList([...head, ...body], devices, [], (n) => `   … and ${plural(n, 'more device')}`);
}
