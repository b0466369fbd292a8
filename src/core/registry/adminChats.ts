import { createHash, randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import { Account, AdminChat, AdminLinkCode } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { CoreError, invalid } from '../errors.js';
import { uuidOrNil } from './accounts.js';

/**
 * Admin chats: a chat (Telegram, for now the only kind) becomes an admin chat of an account
 * by presenting a one-time link code the account created. Codes are random (128 bits),
 * stored only as SHA-256, valid for a short time (LINK_CODE_TTL) and usable once.
 */

export interface LinkCode {
  /** Shown once; the door that receives it (the bot) says how to present it. */
  code: string;
  expiresAt: Date;
}

export interface AdminChatView {
  chatId: string;
  accountId: string;
  accountName: string;
  title: string | null;
  linkedAt: Date;
}

/** Chat ids are Telegram's signed integers (up to 52 bits), handled as decimal strings. */
const CHAT_ID = /^-?\d{1,16}$/;

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

export async function createLinkCode(ctx: CoreContext, accountId: string): Promise<LinkCode> {
  const em = ctx.db.orm.em.fork();
  const account = await em.findOne(Account, { id: uuidOrNil(accountId) });
  if (!account) throw new CoreError('NOT_FOUND', 'account not found', 'accountId');
  // base64url: the characters a Telegram deep-link start parameter allows.
  const code = randomBytes(16).toString('base64url');
  const expiresAt = new Date(ctx.now().getTime() + ctx.config.admins.linkCodeTtlMs);
  em.create(AdminLinkCode, { account, codeHash: hashCode(code), createdAt: ctx.now(), expiresAt });
  await em.flush();
  return { code, expiresAt };
}

/**
 * Links a chat with a code. The code row is locked while it is checked and spent, so two
 * chats racing with one code cannot both win. A chat administers one account at a time.
 */
export async function linkChat(ctx: CoreContext, input: { chatId: string; code: string; title?: string | null }): Promise<AdminChatView> {
  const chatId = parseChatId(input.chatId);
  const code = typeof input.code === 'string' ? input.code.trim() : '';
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(code)) throw invalid('code', 'this is not a link code: create one for your account first');
  const em = ctx.db.orm.em.fork();
  return em.transactional(async (tx) => {
    const row = await tx.findOne(AdminLinkCode, { codeHash: hashCode(code) }, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['account'] });
    const now = ctx.now();
    if (!row) throw invalid('code', 'this link code is not valid: check it, or create a new one');
    if (row.usedAt) throw invalid('code', 'this link code was already used: create a new one');
    if (row.expiresAt <= now) throw invalid('code', 'this link code has expired: create a new one');
    const existing = await tx.findOne(AdminChat, { chatId }, { populate: ['account'] });
    if (existing && existing.account.id !== row.account.id) {
      throw new CoreError('CONFLICT', `this chat is already linked to ${existing.account.name}: unlink it first`, 'chatId');
    }
    row.usedAt = now;
    row.usedByChatId = chatId;
    const chat = existing ?? tx.create(AdminChat, { chatId, account: row.account, title: input.title ?? null, linkedAt: now });
    await tx.flush();
    return view(chat);
  });
}

/** Removes the link; false when the chat was not linked. */
export async function unlinkChat(ctx: CoreContext, chatId: string): Promise<{ unlinked: boolean; accountName: string | null }> {
  const em = ctx.db.orm.em.fork();
  const chat = await em.findOne(AdminChat, { chatId: parseChatId(chatId) }, { populate: ['account'] });
  if (!chat) return { unlinked: false, accountName: null };
  await em.remove(chat).flush();
  return { unlinked: true, accountName: chat.account.name };
}

/** The account a chat administers, or null: the only way a front door learns whom it serves. */
export async function chatAccount(ctx: CoreContext, chatId: string): Promise<AdminChatView | null> {
  if (!CHAT_ID.test(chatId)) return null;
  const chat = await ctx.db.orm.em.fork().findOne(AdminChat, { chatId }, { populate: ['account'] });
  return chat ? view(chat) : null;
}

/** The admin chats of an account (where its alerts go). */
export async function listAdminChats(ctx: CoreContext, accountId: string): Promise<AdminChatView[]> {
  const chats = await ctx.db.orm.em.fork().find(AdminChat, { account: accountId }, { populate: ['account'], orderBy: { linkedAt: 'asc' } });
  return chats.map(view);
}

function parseChatId(chatId: string): string {
  if (typeof chatId !== 'string' || !CHAT_ID.test(chatId)) throw invalid('chatId', 'must be a Telegram chat id');
  return chatId;
}

function view(c: AdminChat): AdminChatView {
  return { chatId: String(c.chatId), accountId: c.account.id, accountName: c.account.name, title: c.title ?? null, linkedAt: c.linkedAt };
}
