/**
 * The channels devices live on. Order is display order (device tabs, the log filter).
 */
import { z } from 'zod';
import { defineChannel } from './entries.js';
import { phoneNumber, required, SAMPLE, telegramId, text, wamid } from './fields.js';

const TELEGRAM_CHAT = 712345678;

export const whatsapp = defineChannel({
  id: 'whatsapp',
  label: 'WhatsApp',
  identifier: { kind: 'phone number in international format', schema: phoneNumber, display: (id) => `+${id}` },
  contact: {
    details: z.looseObject({ type: required, sender: required, pushname: text, from_me: z.boolean() }),
    metadata: z.looseObject({ inboxid: z.int(), isgroup: z.boolean(), isforwarded: z.boolean() }),
  },
  sample: {
    device: { name: 'Support line', identifier: '6281234567890', inboundHandler: 'webhook' },
    user: SAMPLE.userPhone,
    details: { type: 'personal', sender: SAMPLE.userPhone, pushname: SAMPLE.userName, from_me: false },
    metadata: () => ({ inboxid: 0, isgroup: false, isforwarded: false }),
    reaches: '',
  },
});

export const telegram = defineChannel({
  id: 'telegram',
  label: 'Telegram',
  identifier: {
    kind: 'bot username',
    schema: z
      .string()
      .transform((v) => v.trim().replace(/^@/, ''))
      .pipe(
        z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, 'must be a Telegram bot username, e.g. acme_support_bot')
          .refine((v) => /bot$/i.test(v), 'a Telegram bot username ends in "bot"'),
      ),
    display: (id) => `@${id}`,
  },
  contact: {
    details: z.looseObject({ chat_id: telegramId, user_id: telegramId, username: text.optional() }),
    metadata: z.looseObject({}),
  },
  sample: {
    device: { name: 'Helpdesk bot', identifier: 'kirisan_helpdesk_bot', inboundHandler: 'webhook' },
    user: String(TELEGRAM_CHAT),
    details: { chat_id: TELEGRAM_CHAT, user_id: TELEGRAM_CHAT, username: 'jane_doe' },
    // Same keys as WhatsApp's: the platform sends them on every channel.
    metadata: () => ({ inboxid: 0, isgroup: false, isforwarded: false }),
    reaches: ' to the bot',
  },
});

export const waba = defineChannel({
  id: 'waba',
  label: 'WABA',
  identifier: { kind: 'phone number in international format', schema: phoneNumber, display: (id) => `+${id}` },
  contact: {
    details: z.looseObject({ wa_id: required, profile_name: text, message_id: wamid.optional() }),
    metadata: z.looseObject({}),
  },
  sample: {
    // Not Webhook: the demo shows an incoming message that is stored but not routed, and why.
    device: { name: 'Sales (WABA)', identifier: '6281298765432', inboundHandler: 'autoreply' },
    user: SAMPLE.userPhone,
    details: { wa_id: SAMPLE.userPhone, profile_name: SAMPLE.userName, message_id: SAMPLE.wamidIn },
    metadata: (device) => ({
      messaging_product: 'whatsapp',
      display_phone_number: device.identifier,
      phone_number_id: '109876543210987',
      timestamp: String(SAMPLE.completedAt),
    }),
    reaches: '',
  },
});

export const CHANNEL_ENTRIES = [whatsapp, telegram, waba];
