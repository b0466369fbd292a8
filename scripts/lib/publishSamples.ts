import { catalogue } from '../../src/core/catalogue/index.js';
import { samplePublishData } from '../../src/core/events/index.js';
import type { Channel } from '../../src/core/terms.js';

/** Shell variables holding each channel's device token in the README's commands. */
const SHORT: Record<Channel, string> = { whatsapp: 'WA', telegram: 'TG' };
export const tokenVariable = (channel: Channel): string => `${SHORT[channel] ?? channel.toUpperCase()}_TOKEN`;

export const SAMPLES_START = '<!-- publish-samples:start (npm run readme-samples rewrites this block) -->';
export const SAMPLES_END = '<!-- publish-samples:end -->';

/**
 * The README's publishEvent commands, one per event a channel produces, with the test page's
 * sample data (from the event catalogue): what the platform sends, field for field.
 */
export function publishSamplesBlock(): string {
  const lines = ['```sh'];
  for (const channel of catalogue.channelIds()) {
    for (const event of catalogue.eventTypes()) {
      // Produced by a Webhook-handled device of this channel: the catalogue's own rule.
      if (!catalogue.deviceProduces({ channel, inboundHandler: 'webhook' }, event).ok) continue;
      const data = samplePublishData(event, { token: 'dev_sample', channel, name: 'Sample device', identifier: '6281298765432' });
      lines.push(`publish ${event.toUpperCase()} "$${tokenVariable(channel)}" '${JSON.stringify(data)}'`);
    }
  }
  lines.push('```');
  return [SAMPLES_START, ...lines, SAMPLES_END].join('\n');
}
