import { catalogue } from '../core/catalogue/index.js';
import type { Channel } from '../core/terms.js';

/**
 * Callback data of every button (Telegram allows 64 bytes: the longest here is 49). Buttons
 * carry ids and page numbers only; each handler matches its pattern exactly and passes the
 * ids to core with the chat's own account, so an id from another account is not found there.
 */
const ID = '([0-9a-fA-F-]{36})';
const N = '(\\d{1,4})';
const EVENT = `(${catalogue.subscribableNames().join('|').replace(/\./g, '\\.')})`;
const CHANNEL = `(${catalogue.channelIds().join('|')})`;

/** One log list: status a(ll)|f(ailed), at most one more filter, a page. */
export interface LogFilter {
  failed: boolean;
  deviceId?: string;
  event?: string;
  webhookId?: string;
  channel?: Channel;
}

const logScope = (f: LogFilter) =>
  f.deviceId ? `d:${f.deviceId}` : f.event ? `e:${f.event}` : f.webhookId ? `w:${f.webhookId}` : f.channel ? `c:${f.channel}` : '-:-';

export type LogPicker = 'device' | 'event' | 'webhook' | 'channel';
const PICKERS: Record<LogPicker, string> = { device: 'D', event: 'E', webhook: 'W', channel: 'C' };

export const data = {
  webhooks: (page: number) => `wh:l:${page}`,
  webhook: (webhookId: string) => `wh:v:${webhookId}`,
  deleteAsk: (webhookId: string) => `wh:x:${webhookId}`,
  deleteConfirm: (webhookId: string) => `wh:X:${webhookId}`,
  redeliverAsk: (webhookId: string) => `wh:r:${webhookId}`,
  redeliverConfirm: (webhookId: string) => `wh:R:${webhookId}`,
  rotateAsk: (webhookId: string) => `wh:k:${webhookId}`,
  rotateConfirm: (webhookId: string) => `wh:K:${webhookId}`,
  editMenu: (webhookId: string) => `wh:m:${webhookId}`,
  /** Disable a webhook, or (an endpoint id) one endpoint. */
  disable: (id: string) => `wh:d:${id}`,
  /** Enable the disabled endpoints of a webhook, or (an endpoint id) one endpoint, to Pending test. */
  enable: (id: string) => `wh:n:${id}`,
  editField: (field: 'name' | 'url' | 'secret' | 'events', webhookId: string) => `ef:${field}:${webhookId}`,
  editNoSecret: 'ef:nosecret',
  editEvent: (event: string) => `ef:ev:${event}`,
  editEventsSave: 'ef:evsave',
  editFieldCancel: 'ef:cancel',
  editDevices: (webhookId: string) => `wh:e:${webhookId}`,
  editTab: (channel: string, page = 0) => `ed:tab:${channel}:${page}`,
  editDevice: (deviceId: string) => `ed:dev:${deviceId}`,
  editSave: 'ed:save',
  editCancel: 'ed:cancel',
  /** All test targets of the account (/test), or of one webhook; a page of them. */
  testAll: (page: number) => `ts:a:${page}`,
  testTargets: (webhookId: string, page = 0) => `ts:l:${webhookId}:${page}`,
  testPreview: (webhookId: string, index: number) => `ts:p:${webhookId}:${index}`,
  testSend: (webhookId: string, index: number) => `ts:s:${webhookId}:${index}`,
  logs: (f: LogFilter, page: number) => `lg:${f.failed ? 'f' : 'a'}:${logScope(f)}:${page}`,
  logsPick: (failed: boolean, by: LogPicker, page = 0) => `lg:${PICKERS[by]}:${failed ? 'f' : 'a'}:${page}`,
  /** Back from a row to the list it was opened from (kept in the session). */
  logsBack: 'lg:b',
  attempt: (attemptId: string) => `lg:a:${attemptId}`,
  why: (webhookId: string) => `wy:${webhookId}`,
  alertDetails: (endpointId: string) => `al:d:${endpointId}`,
  alertRetry: (deliveryId: string) => `al:r:${deliveryId}`,
  alertMute: (endpointId: string, hours: number) => `al:m:${hours}:${endpointId}`,
  alertUnmute: (endpointId: string) => `al:u:${endpointId}`,
  addTab: (channel: string, page = 0) => `ad:tab:${channel}:${page}`,
  addDevice: (deviceId: string) => `ad:dev:${deviceId}`,
  addEvent: (event: string) => `ad:ev:${event}`,
  addNext: 'ad:next',
  addSkip: 'ad:skip',
  addSave: 'ad:save',
  addCancel: 'ad:cancel',
} as const;

export const pattern = {
  webhooks: new RegExp(`^wh:l:${N}$`),
  webhook: new RegExp(`^wh:v:${ID}$`),
  deleteAsk: new RegExp(`^wh:x:${ID}$`),
  deleteConfirm: new RegExp(`^wh:X:${ID}$`),
  redeliverAsk: new RegExp(`^wh:r:${ID}$`),
  redeliverConfirm: new RegExp(`^wh:R:${ID}$`),
  rotateAsk: new RegExp(`^wh:k:${ID}$`),
  rotateConfirm: new RegExp(`^wh:K:${ID}$`),
  editMenu: new RegExp(`^wh:m:${ID}$`),
  disable: new RegExp(`^wh:d:${ID}$`),
  enable: new RegExp(`^wh:n:${ID}$`),
  editField: new RegExp(`^ef:(name|url|secret|events):${ID}$`),
  editEvent: new RegExp(`^ef:ev:${EVENT}$`),
  editDevices: new RegExp(`^wh:e:${ID}$`),
  editTab: new RegExp(`^ed:tab:${CHANNEL}:(\\d{1,3})$`),
  editDevice: new RegExp(`^ed:dev:${ID}$`),
  testAll: new RegExp(`^ts:a:${N}$`),
  testTargets: new RegExp(`^ts:l:${ID}:${N}$`),
  testPreview: new RegExp(`^ts:p:${ID}:${N}$`),
  testSend: new RegExp(`^ts:s:${ID}:${N}$`),
  logs: new RegExp(`^lg:([af]):(?:(d):${ID}|(e):${EVENT}|(w):${ID}|(c):${CHANNEL}|-:-):${N}$`),
  logsPick: /^lg:([DEWC]):([af]):(\d{1,3})$/,
  attempt: /^lg:a:(\d{1,18})$/,
  why: new RegExp(`^wy:${ID}$`),
  alertDetails: new RegExp(`^al:d:${ID}$`),
  alertRetry: /^al:r:(\d{1,18})$/,
  alertMute: new RegExp(`^al:m:(\\d{1,3}):${ID}$`),
  alertUnmute: new RegExp(`^al:u:${ID}$`),
  addTab: new RegExp(`^ad:tab:${CHANNEL}:(\\d{1,3})$`),
  addDevice: new RegExp(`^ad:dev:${ID}$`),
  addEvent: new RegExp(`^ad:ev:${EVENT}$`),
} as const;

/** The log filter a `logs` callback names (the groups of `pattern.logs`). */
export function logFilterOf(m: string | RegExpMatchArray | null | undefined): { filter: LogFilter; page: number } {
  const filter: LogFilter = { failed: group(m, 1) === 'f' };
  if (group(m, 2) === 'd') filter.deviceId = group(m, 3);
  if (group(m, 4) === 'e') filter.event = group(m, 5);
  if (group(m, 6) === 'w') filter.webhookId = group(m, 7);
  if (group(m, 8) === 'c') filter.channel = group(m, 9) as Channel;
  return { filter, page: Number(group(m, 10)) };
}

export const pickerOf = (letter: string): LogPicker => (Object.entries(PICKERS).find(([, l]) => l === letter)?.[0] ?? 'device') as LogPicker;

/** The i-th capture of a callback pattern (ctx.match), or '' when absent. */
export function group(match: string | RegExpMatchArray | null | undefined, i: number): string {
  return typeof match === 'object' && match ? (match[i] ?? '') : '';
}
