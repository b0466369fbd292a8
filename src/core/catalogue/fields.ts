/**
 * Field rules shared by several entries' payload schemas. Envelopes are strict so a typo or
 * a renamed field is refused at the door instead of reaching every receiver; `details` and
 * `metadata` are loose because each channel adds its own fields over time.
 */
import { z } from 'zod';

export const text = z.string();
export const required = z.string().min(1, { error: 'must not be empty' });
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
export const unixSeconds = z
  .int()
  .min(0)
  // Milliseconds are the usual mistake; the contract is Unix seconds everywhere.
  .max(99_999_999_999, { error: 'must be Unix seconds, not milliseconds' });
const TELEGRAM_ID = 'must be a Telegram id (a whole number)';
export const telegramId = z.union([z.int(), z.string().regex(/^-?\d+$/, { error: TELEGRAM_ID })], { error: TELEGRAM_ID });
export const wamid = z.string().startsWith('wamid.', { error: 'must be a WhatsApp message id (wamid.…)' });

/** Phone numbers in international format, as WhatsApp and WABA identify devices. */
export const phoneNumber = z
  .string()
  .transform((v) => v.replace(/[\s()-]/g, '').replace(/^\+/, ''))
  .pipe(z.string().regex(/^[1-9]\d{6,14}$/, 'must be a phone number in international format, e.g. 6281234567890'));

/** Sample data shared by the entries: fixed (not "now") so a preview and its POST agree. */
export const SAMPLE = {
  userName: 'Jane Doe',
  userPhone: '6281234567890',
  greeting: 'Hi, I need help with my order',
  formName: 'Registration form',
  startedAt: 1735689480,
  completedAt: 1735689600,
  wamidIn: 'wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA5QkE3RjE2QzlBMzY0RTJBAA==',
  wamidOut: 'wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ1RjdBRTk4QzBEMzFCNkI4NQA=',
} as const;
