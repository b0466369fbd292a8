import { catalogue } from '../../core/catalogue/index.js';
import { InlineKeyboard } from 'grammy';
import type { DeviceView } from '../../core/registry/devices.js';
import type { SubscribedEvent } from '../../core/terms.js';
import { data } from '../callbacks.js';
import type { AddDraft } from '../context.js';
import { esc, note, shorten } from '../html.js';
import { devicePicker, selectedText } from './devicePicker.js';

/** The screens of the /add conversation: the New webhook modal, one section per step. */

const STEPS = 6;
const head = (n: number, what: string) => `<b>New webhook</b> · step ${n} of ${STEPS} · ${what}`;

export const namePrompt = () =>
  `${head(1, 'Endpoint')}\nSend a display name (for example <i>CRM</i>).\n\n/cancel stops at any step; nothing is saved until you confirm.`;

export const urlPrompt = () => `${head(2, 'Endpoint')}\nSend your HTTPS URL, for example https://api.yoursite.com/webhooks/kirisan`;

export const secretPrompt = () => '🔐 Reply to this message with the signing secret, or tap Skip on the form.';

export function devicesScreen(d: AddDraft, devices: DeviceView[]): { text: string; keyboard: InlineKeyboard } {
  const picker = devicePicker(d, devices, { tab: data.addTab, toggle: data.addDevice, done: { text: 'Next ▶', data: data.addNext }, cancel: data.addCancel });
  return { text: [head(3, 'Devices'), 'Pick the channel tab, then select at least one device.', ...picker.lines].join('\n'), keyboard: picker.keyboard };
}

/** The events step: one toggle per event core offers a new webhook. */
export function eventsScreen(d: AddDraft, choices: SubscribedEvent[]): { text: string; keyboard: InlineKeyboard } {
  const kb = new InlineKeyboard();
  for (const ev of choices) {
    kb.text(`${d.events.includes(ev) ? '✅' : '⬜'} ${catalogue.eventLabel(ev)}`, data.addEvent(ev)).row();
  }
  kb.text('Next ▶', data.addNext).text('Cancel', data.addCancel);
  return { text: `${head(4, 'Events')}\nCheck at least one event${note(catalogue.producerNote())}.`, keyboard: kb };
}

export function secretScreen(): { text: string; keyboard: InlineKeyboard } {
  return {
    text: `${head(5, 'Security')}\nOptional: reply with a signing secret (the message below asks for it). Kirisan sends it as X-Webhook-Secret on every POST. I delete your message once the webhook is saved.`,
    keyboard: new InlineKeyboard().text('Skip (no secret)', data.addSkip).text('Cancel', data.addCancel),
  };
}

export function confirmScreen(d: AddDraft, devices: DeviceView[]): { text: string; keyboard: InlineKeyboard } {
  const chosen = devices.filter((x) => d.deviceIds.includes(x.id));
  const text = [
    head(6, 'Confirm'),
    `Name: <b>${esc(d.name ?? '')}</b>`,
    `URL: ${esc(shorten(d.url ?? '', 1000))}`,
    `Devices: ${selectedText(chosen)}`,
    `Events: ${d.events.map((e) => esc(catalogue.eventLabel(e))).join(', ')}`,
    `Signing secret: ${d.secretHint ? esc(d.secretHint) : 'none'}`,
    '',
    'Save → test writes the webhook as Pending test; a successful test makes it Active.',
  ].join('\n');
  return { text, keyboard: new InlineKeyboard().text('💾 Save → test', data.addSave).text('Cancel', data.addCancel) };
}
