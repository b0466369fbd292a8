import { catalogue } from '../../core/catalogue/index.js';
import { InlineKeyboard } from 'grammy';
import type { DeviceView } from '../../core/registry/devices.js';
import type { Channel } from '../../core/terms.js';
import { esc, plural } from '../html.js';
import { caption } from '../limits.js';

/** Callback data of a device picker's buttons (the /add form and Edit devices each have theirs). */
export interface PickerData {
  tab: (channel: Channel, page: number) => string;
  toggle: (deviceId: string) => string;
  done: { text: string; data: string };
  cancel: string;
}

/** Devices shown per page of a tab: the keyboard stays well under Telegram's 100 buttons. */
export const DEVICES_PER_PAGE = 20;
/** Selected devices are named while they are few, counted per channel beyond. */
const NAMED = 10;

/** Devices by channel tab, as on the product's modal: tabs, one toggle per device of the tab's page. */
export function devicePicker(state: { tab: Channel; page?: number; deviceIds: string[] }, devices: DeviceView[], data: PickerData): { keyboard: InlineKeyboard; lines: string[] } {
  const kb = new InlineKeyboard();
  for (const ch of catalogue.channelIds()) kb.text(`${ch === state.tab ? '• ' : ''}${catalogue.channelLabel(ch)}`, data.tab(ch, 0));
  kb.row();
  const onTab = devices.filter((x) => x.channel === state.tab);
  const pages = Math.max(1, Math.ceil(onTab.length / DEVICES_PER_PAGE));
  const page = Math.min(state.page ?? 0, pages - 1);
  for (const dev of onTab.slice(page * DEVICES_PER_PAGE, (page + 1) * DEVICES_PER_PAGE)) {
    kb.text(caption(`${state.deviceIds.includes(dev.id) ? '✅' : '⬜'} ${dev.label}`), data.toggle(dev.id)).row();
  }
  if (pages > 1) {
    if (page > 0) kb.text('◀', data.tab(state.tab, page - 1));
    kb.text(`${page + 1}/${pages}`, data.tab(state.tab, page));
    if (page < pages - 1) kb.text('▶', data.tab(state.tab, page + 1));
    kb.row();
  }
  kb.text(data.done.text, data.done.data).text('Cancel', data.cancel);
  const chosen = devices.filter((x) => state.deviceIds.includes(x.id));
  const lines = [onTab.length ? '' : `No ${catalogue.channelLabel(state.tab)} devices in this account.`, `Selected: ${selectedText(chosen)}`].filter(Boolean);
  return { keyboard: kb, lines };
}

/** Chosen devices named while few, counted per channel beyond. */
export function selectedText(chosen: DeviceView[]): string {
  if (!chosen.length) return 'none';
  if (chosen.length <= NAMED) return chosen.map((x) => esc(x.label)).join(', ');
  const byChannel = catalogue.channelIds().map((ch) => [ch, chosen.filter((d) => d.channel === ch).length] as const).filter(([, n]) => n > 0);
  return `${plural(chosen.length, 'device')} (${byChannel.map(([ch, n]) => `${catalogue.channelLabel(ch)} ${n}`).join(', ')})`;
}

/** Toggles a device id in a selection. */
export const toggle = (ids: string[], id: string) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
