import { ChatSession } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';

/**
 * Per-chat scratchpad of a front door (the bot's half-filled /add form). Kept in the
 * database, not in memory, so that with the bot in webhook mode behind several processes
 * the next message of a chat finds its draft whichever process receives it. A draft left
 * alone longer than SESSION_TTL_MS is forgotten.
 */
const SESSION_TTL_MS = 24 * 3_600_000;

export async function readChatSession(ctx: CoreContext, key: string): Promise<unknown> {
  const row = await ctx.db.orm.em.fork().findOne(ChatSession, { key });
  if (!row || ctx.now().getTime() - row.updatedAt.getTime() > SESSION_TTL_MS) return undefined;
  return row.value;
}

export async function writeChatSession(ctx: CoreContext, key: string, value: unknown): Promise<void> {
  await ctx.db.orm.em.fork().upsert(ChatSession, { key, value, updatedAt: ctx.now() });
}

export async function deleteChatSession(ctx: CoreContext, key: string): Promise<void> {
  await ctx.db.orm.em.fork().nativeDelete(ChatSession, { key });
}

/** Deletes every session whose key starts with `prefix` (all the forms of one chat). */
export async function deleteChatSessions(ctx: CoreContext, prefix: string): Promise<void> {
  if (!prefix) return;
  await ctx.db.orm.em.fork().nativeDelete(ChatSession, { key: { $like: `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } });
}
