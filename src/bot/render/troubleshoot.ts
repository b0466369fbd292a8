import { channelLabel } from '../../core/events/index.js';
import type { TroubleshootCheck } from '../../core/diagnose/troubleshoot.js';
import type { Channel } from '../../core/terms.js';
import { esc } from '../html.js';

const TITLES: Record<string, string> = {
  endpoint_active: 'Endpoint is Active',
  url_https: 'URL uses HTTPS',
  url_public: 'URL is reachable from the public internet',
  device_linked: 'Device is linked',
  device_handler: 'On incoming message → Webhook',
  event_checked: 'Event is checked',
  recent_attempts: 'Recent live attempts',
};

export function checkLines(checks: TroubleshootCheck[]): string[] {
  return checks.flatMap((c) => {
    const head = `${c.passed ? '✅' : '❌'} <b>${esc(TITLES[c.check] ?? c.check)}</b>: ${esc(c.detail)}`;
    return c.fix && !c.passed ? [head, `   → ${esc(c.fix)}`] : [head];
  });
}

export function troubleshootCard(name: string, url: string, sections: Array<{ channel: Channel; checks: TroubleshootCheck[] }>): string {
  const failed = sections.some((s) => s.checks.some((c) => !c.passed));
  return [
    `🩺 <b>${esc(name)}</b>: ${failed ? 'found something to fix' : 'every check passed'}`,
    esc(url),
    ...sections.flatMap((s) => (sections.length > 1 ? ['', `<b>${channelLabel(s.channel)} endpoint</b>`] : ['']).concat(checkLines(s.checks))),
  ].join('\n');
}
