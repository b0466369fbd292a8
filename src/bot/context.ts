import type { Context, SessionFlavor } from 'grammy';
import { z } from 'zod';
import { CHANNELS, SUBSCRIBABLE_EVENTS } from '../core/terms.js';

/** Where the /add conversation stands, kept per chat between messages (see core admins.sessions). */
const addDraftSchema = z.object({
  step: z.enum(['name', 'url', 'devices', 'events', 'secret', 'confirm']),
  name: z.string().optional(),
  url: z.string().optional(),
  tab: z.enum(CHANNELS),
  deviceIds: z.array(z.string()),
  events: z.array(z.enum(SUBSCRIBABLE_EVENTS)),
  /** Only until Save → test or /cancel; never shown back (secretHint is). */
  secret: z.string().nullable().optional(),
  secretHint: z.string().nullable().optional(),
  /** The admin's message holding the secret, deleted after saving. */
  secretMessageId: z.number().int().optional(),
});
export type AddDraft = z.infer<typeof addDraftSchema>;
export type AddStep = AddDraft['step'];

/** Edit devices of a saved webhook: the selection until Save. */
const editDevicesSchema = z.object({ webhookId: z.string(), tab: z.enum(CHANNELS), deviceIds: z.array(z.string()) });
export type EditDevices = z.infer<typeof editDevicesSchema>;

export const sessionSchema = z.object({ add: addDraftSchema.optional(), editDevices: editDevicesSchema.optional() });
export type SessionData = z.infer<typeof sessionSchema>;

/** Set by the access middleware when the chat is linked; every feature works on this account only. */
export interface AdminFlavor {
  admin?: { accountId: string; accountName: string };
}

export type BotContext = Context & SessionFlavor<SessionData> & AdminFlavor;
