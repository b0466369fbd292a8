import { deviceProducesEvent, samplePublishData } from '../../src/core/events/index.js';
import { CHANNELS, EVENT_TYPES, type Channel } from '../../src/core/terms.js';

/** Shell variables holding each channel's device token in the README's commands. */
export const TOKEN_VARIABLE: Record<Channel, string> = { whatsapp: 'WA_TOKEN', telegram: 'TG_TOKEN', waba: 'WABA_TOKEN' };

export const SAMPLES_START = '<!-- publish-samples:start (npm run readme-samples rewrites this block) -->';
export const SAMPLES_END = '<!-- publish-samples:end -->';

/**
 * The README's publishEvent commands, one per event a channel produces, with the test page's
 * sample data (from the event catalogue): what the platform sends, field for field.
 */
export function publishSamplesBlock(): string {
  const lines = ['```sh'];
  for (const channel of CHANNELS) {
    for (const event of EVENT_TYPES) {
      // Produced by a Webhook-handled device of this channel: the catalogue's own rule.
      if (!deviceProducesEvent({ channel, inboundHandler: 'webhook' }, event).ok) continue;
      const data = samplePublishData(event, { token: 'dev_sample', channel, name: 'Sample device', identifier: '6281298765432' });
      lines.push(`publish ${event.toUpperCase()} "$${TOKEN_VARIABLE[channel]}" '${JSON.stringify(data)}'`);
    }
  }
  lines.push('```');
  return [SAMPLES_START, ...lines, SAMPLES_END].join('\n');
}
