import { SUBSCRIBABLE_EVENTS, CHANNELS } from '../core/terms.js';

/**
 * Callback data of every button (Telegram allows 64 bytes). Buttons carry ids only; each
 * handler matches its pattern exactly and passes the ids to core with the chat's own account,
 * so an id from another account is simply not found there.
 */
const ID = '([0-9a-fA-F-]{36})';
const N = '(\\d{1,4})';
const EVENT = `(${SUBSCRIBABLE_EVENTS.join('|').replace(/\./g, '\\.')})`;

export const data = {
  webhooks: (page: number) => `wh:l:${page}`,
  webhook: (webhookId: string) => `wh:v:${webhookId}`,
  deleteAsk: (webhookId: string) => `wh:x:${webhookId}`,
  editDevices: (webhookId: string) => `wh:e:${webhookId}`,
  editTab: (channel: string) => `ed:tab:${channel}`,
  editDevice: (deviceId: string) => `ed:dev:${deviceId}`,
  editSave: 'ed:save',
  editCancel: 'ed:cancel',
  deleteConfirm: (webhookId: string) => `wh:X:${webhookId}`,
  testTargets: (webhookId: string) => `ts:l:${webhookId}`,
  testPreview: (webhookId: string, index: number) => `ts:p:${webhookId}:${index}`,
  testSend: (webhookId: string, index: number) => `ts:s:${webhookId}:${index}`,
  /** Log filter: status a(ll)|f(ailed), then by d(evice) or e(vent) or - (none), its value, page. */
  logs: (f: LogFilter, page: number) => `lg:${f.failed ? 'f' : 'a'}:${f.deviceId ? `d:${f.deviceId}` : f.event ? `e:${f.event}` : '-:-'}:${page}`,
  logsPick: (failed: boolean, by: 'device' | 'event') => `lg:${by === 'device' ? 'D' : 'E'}:${failed ? 'f' : 'a'}`,
  attempt: (attemptId: string) => `lg:a:${attemptId}`,
  why: (webhookId: string) => `wy:${webhookId}`,
  alertDetails: (endpointId: string) => `al:d:${endpointId}`,
  alertRetry: (deliveryId: string) => `al:r:${deliveryId}`,
  alertMute: (endpointId: string, hours: number) => `al:m:${hours}:${endpointId}`,
  alertUnmute: (endpointId: string) => `al:u:${endpointId}`,
  addTab: (channel: string) => `ad:tab:${channel}`,
  addDevice: (deviceId: string) => `ad:dev:${deviceId}`,
  addEvent: (event: string) => `ad:ev:${event}`,
  addNext: 'ad:next',
  addSkip: 'ad:skip',
  addSave: 'ad:save',
  addCancel: 'ad:cancel',
} as const;

export interface LogFilter {
  failed: boolean;
  deviceId?: string;
  event?: string;
}

export const pattern = {
  webhooks: new RegExp(`^wh:l:${N}$`),
  webhook: new RegExp(`^wh:v:${ID}$`),
  deleteAsk: new RegExp(`^wh:x:${ID}$`),
  editDevices: new RegExp(`^wh:e:${ID}$`),
  editTab: new RegExp(`^ed:tab:(${CHANNELS.join('|')})$`),
  editDevice: new RegExp(`^ed:dev:${ID}$`),
  deleteConfirm: new RegExp(`^wh:X:${ID}$`),
  testTargets: new RegExp(`^ts:l:${ID}$`),
  testPreview: new RegExp(`^ts:p:${ID}:${N}$`),
  testSend: new RegExp(`^ts:s:${ID}:${N}$`),
  logs: new RegExp(`^lg:([af]):(?:(d):${ID}|(e):${EVENT}|-:-):${N}$`),
  logsPick: /^lg:([DE]):([af])$/,
  attempt: /^lg:a:(\d{1,18})$/,
  why: new RegExp(`^wy:${ID}$`),
  alertDetails: new RegExp(`^al:d:${ID}$`),
  alertRetry: /^al:r:(\d{1,18})$/,
  alertMute: new RegExp(`^al:m:(1|24):${ID}$`),
  alertUnmute: new RegExp(`^al:u:${ID}$`),
  addTab: new RegExp(`^ad:tab:(${CHANNELS.join('|')})$`),
  addDevice: new RegExp(`^ad:dev:${ID}$`),
  addEvent: new RegExp(`^ad:ev:${EVENT}$`),
} as const;

/** The i-th capture of a callback pattern (ctx.match), or '' when absent. */
export function group(match: string | RegExpMatchArray | null | undefined, i: number): string {
  return typeof match === 'object' && match ? (match[i] ?? '') : '';
}
