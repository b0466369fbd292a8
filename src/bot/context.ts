import { catalogue } from '../core/catalogue/index.js';
import type { Context, SessionFlavor } from 'grammy';
import { z } from 'zod';

/**
 * Where a form stands between messages. Kept per (chat, user) in core's sessions, so that in a
 * group each admin has their own form and nobody else's message is taken as its answer.
 */
const addDraftSchema = z.object({
  step: z.enum(['name', 'url', 'devices', 'events', 'secret', 'confirm']),
  name: z.string().optional(),
  url: z.string().optional(),
  tab: catalogue.channelSchema,
  page: z.number().int().optional(),
  deviceIds: z.array(z.string()),
  events: z.array(catalogue.subscribedEventSchema),
  /** Only until Save → test or /cancel; never shown back (secretHint is). */
  secret: z.string().nullable().optional(),
  secretHint: z.string().nullable().optional(),
  /** The admin's message holding the secret, deleted after saving. */
  secretMessageId: z.number().int().optional(),
  /** The form's message (edited step by step); text steps are asked in separate prompts. */
  formMessageId: z.number().int().optional(),
});
export type AddDraft = z.infer<typeof addDraftSchema>;

/** Edit devices of a saved webhook: the selection until Save. */
const editDevicesSchema = z.object({ webhookId: z.string(), tab: catalogue.channelSchema, page: z.number().int().optional(), deviceIds: z.array(z.string()) });
export type EditDevices = z.infer<typeof editDevicesSchema>;

/** Edit one field of a saved webhook: the field asked for, and the events picked so far. */
const editFieldSchema = z.object({
  webhookId: z.string(),
  field: z.enum(['name', 'url', 'secret', 'events']),
  events: z.array(catalogue.subscribedEventSchema).optional(),
});
export type EditField = z.infer<typeof editFieldSchema>;

/** The last log list shown, so that "◀ Logs" from a row returns to the same filter and page. */
const logViewSchema = z.object({ data: z.string() });

export const sessionSchema = z.object({
  add: addDraftSchema.optional(),
  editDevices: editDevicesSchema.optional(),
  edit: editFieldSchema.optional(),
  logs: logViewSchema.optional(),
  /** The search of /webhooks <words>, kept for its paging buttons. */
  search: z.string().optional(),
});
export type SessionData = z.infer<typeof sessionSchema>;

/** Set by the access middleware when the chat is linked; every feature works on this account only. */
export interface AdminFlavor {
  admin?: { accountId: string; accountName: string };
  /** The button press was answered (Telegram takes one answer per press). */
  answered?: boolean;
}

export type BotContext = Context & SessionFlavor<SessionData> & AdminFlavor;
