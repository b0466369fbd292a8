import { catalogue } from '../../core/catalogue/index.js';
import type { SaveResult } from '../../core/registry/webhooks.js';
import { plural } from '../html.js';

/** After an edit: what changed for the endpoints' status (an edit of URL, secret, devices or events asks for a new test). */
export function savedLine(what: string, saved: SaveResult): string {
  const pending = saved.endpoints.filter((x) => x.status !== 'active');
  const channels = saved.endpoints.map((e) => catalogue.channelLabel(e.channel)).join(', ');
  const status = pending.length
    ? `${pending.length} 🟡 Pending test: send a test to make ${pending.length === 1 ? 'it' : 'them'} Active again`
    : 'status unchanged';
  return `💾 ${what} saved: ${plural(saved.endpoints.length, 'endpoint')} (${channels}), ${status}.`;
}
