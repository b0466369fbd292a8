import { InlineKeyboard } from 'grammy';
import { channelLabel } from '../../core/events/index.js';
import type { DeviceView } from '../../core/registry/devices.js';
import { CHANNELS, type Channel } from '../../core/terms.js';
import { esc } from '../html.js';

/** Callback data of a device picker's buttons (the /add form and Edit devices each have theirs). */
export interface PickerData {
  tab: (channel: Channel) => string;
  toggle: (deviceId: string) => string;
  done: { text: string; data: string };
  cancel: string;
}

/** Devices by channel tab, as on the product's modal: tabs, one toggle per device of the tab. */
export function devicePicker(state: { tab: Channel; deviceIds: string[] }, devices: DeviceView[], data: PickerData): { keyboard: InlineKeyboard; lines: string[] } {
  const kb = new InlineKeyboard();
  for (const ch of CHANNELS) kb.text(`${ch === state.tab ? '• ' : ''}${channelLabel(ch)}`, data.tab(ch));
  kb.row();
  const onTab = devices.filter((x) => x.channel === state.tab);
  for (const dev of onTab) kb.text(`${state.deviceIds.includes(dev.id) ? '✅' : '⬜'} ${dev.label}`.slice(0, 60), data.toggle(dev.id)).row();
  kb.text(data.done.text, data.done.data).text('Cancel', data.cancel);
  const chosen = devices.filter((x) => state.deviceIds.includes(x.id)).map((x) => esc(x.label));
  const lines = [onTab.length ? '' : `No ${channelLabel(state.tab)} devices in this account.`, `Selected: ${chosen.length ? chosen.join(', ') : 'none'}`].filter(Boolean);
  return { keyboard: kb, lines };
}

/** Toggles a device id in a selection. */
export const toggle = (ids: string[], id: string) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
