import { Account, ApiKey } from '../../db/entities/index.js';
import type { CoreContext } from '../context.js';
import { API_KEY_CHANNEL } from '../../db/sql/channels.js';
import { CoreError, notFound, rateLimited } from '../errors.js';
import { hashApiKey, newApiKey, sameSecret } from '../security/secrets.js';
import { displayName } from '../text.js';
import { parseInput } from '../validate.js';

export interface AccountView {
  id: string;
  name: string;
}

export interface ApiKeyView {
  id: string;
  label: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Who is calling: an account's key (by id, so a revocation can find its sockets), or the messaging platform's own key. */
export type Principal = { kind: 'account'; accountId: string; keyId: string } | { kind: 'platform' };

const nameSchema = displayName(100);
const labelSchema = displayName(60);

/** Creates an account and its first API key; the key is returned here and never again. */
export async function createAccount(ctx: CoreContext, input: { name: string }): Promise<{ account: AccountView; apiKey: string }> {
  const name = parseInput(nameSchema, input.name, 'name');
  const em = ctx.db.orm.em.fork();
  return em.transactional(async (tx) => {
    const account = tx.create(Account, { name, createdAt: ctx.now() });
    const minted = newApiKey();
    tx.create(ApiKey, { account, label: 'default', prefix: minted.prefix, keyHash: minted.hash, createdAt: ctx.now() });
    await tx.flush();
    return { account: { id: account.id, name: account.name }, apiKey: minted.key };
  });
}

export async function getAccount(ctx: CoreContext, accountId: string): Promise<AccountView> {
  const account = await ctx.db.orm.em.fork().findOne(Account, { id: uuidOrNil(accountId) });
  if (!account) throw new CoreError('NOT_FOUND', 'account not found', 'accountId');
  return { id: account.id, name: account.name };
}

export async function createApiKey(ctx: CoreContext, accountId: string, input: { label: string }): Promise<{ key: ApiKeyView; apiKey: string }> {
  const label = parseInput(labelSchema, input.label, 'label');
  const em = ctx.db.orm.em.fork();
  const account = await em.findOne(Account, { id: uuidOrNil(accountId) });
  if (!account) throw new CoreError('NOT_FOUND', 'account not found', 'accountId');
  const minted = newApiKey();
  const row = em.create(ApiKey, { account, label, prefix: minted.prefix, keyHash: minted.hash, createdAt: ctx.now() });
  await em.flush();
  return { key: apiKeyView(row), apiKey: minted.key };
}

export async function listApiKeys(ctx: CoreContext, accountId: string): Promise<ApiKeyView[]> {
  const rows = await ctx.db.orm.em.fork().find(ApiKey, { account: uuidOrNil(accountId) }, { orderBy: { createdAt: 'asc' } });
  return rows.map(apiKeyView);
}

/**
 * Revoking the last live key is refused: the account would lock itself out. The revocation is
 * announced on commit (NOTIFY), and every gateway process closes the WebSockets it
 * authenticated with the key; HTTP requests authenticate each time, so they stop at once.
 */
export async function revokeApiKey(ctx: CoreContext, accountId: string, keyId: string): Promise<ApiKeyView> {
  const em = ctx.db.orm.em.fork();
  return em.transactional(async (tx) => {
    const row = await tx.findOne(ApiKey, { id: uuidOrNil(keyId), account: uuidOrNil(accountId) });
    if (!row) throw notFound('API key', 'id');
    if (!row.revokedAt) {
      const live = await tx.count(ApiKey, { account: accountId, revokedAt: null });
      if (live <= 1) throw new CoreError('CONFLICT', 'this is the account\'s last API key: create another one before revoking it', 'id');
      row.revokedAt = ctx.now();
    }
    await tx.flush();
    await tx.getConnection().execute('select pg_notify(?, ?)', [API_KEY_CHANNEL, row.id], 'all', tx.getTransactionContext());
    return apiKeyView(row);
  });
}

/**
 * Resolves a bearer key; null when it is unknown or revoked. With the caller's address, a
 * failure counts towards that address's limit, and an address over it is refused
 * (RATE_LIMITED) before any lookup.
 */
export async function authenticate(ctx: CoreContext, key: string, client?: string): Promise<Principal | null> {
  if (client !== undefined) {
    const wait = ctx.authLimiter.retryAfterSeconds(client);
    if (wait > 0) throw rateLimited(wait);
  }
  const principal = await lookUp(ctx, key);
  if (!principal && client !== undefined) ctx.authLimiter.failed(client);
  return principal;
}

async function lookUp(ctx: CoreContext, key: string): Promise<Principal | null> {
  if (ctx.config.platformApiKey && sameSecret(key, ctx.config.platformApiKey)) return { kind: 'platform' };
  if (!key.startsWith('kir_')) return null;
  const row = await ctx.db.orm.em.fork().findOne(ApiKey, { keyHash: hashApiKey(key), revokedAt: null });
  return row ? { kind: 'account', accountId: row.account.id, keyId: row.id } : null;
}

/** Counts a failed authentication that never reached a key (an Authorization header that is not `Bearer <key>`). */
export function authRetryAfter(ctx: CoreContext, client: string, failed = false): number {
  if (failed) ctx.authLimiter.failed(client);
  return ctx.authLimiter.retryAfterSeconds(client);
}

export async function revokedKeys(ctx: CoreContext, keyIds: string[]): Promise<string[]> {
  if (!keyIds.length) return [];
  const live = await ctx.db.orm.em.fork().find(ApiKey, { id: { $in: keyIds.map(uuidOrNil) }, revokedAt: null }, { fields: ['id'] });
  const alive = new Set(live.map((k) => k.id));
  return keyIds.filter((id) => !alive.has(id));
}

function apiKeyView(row: ApiKey): ApiKeyView {
  return { id: row.id, label: row.label, prefix: row.prefix, createdAt: row.createdAt, revokedAt: row.revokedAt ?? null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * Ids arrive from users; a malformed one is simply "not found" (PostgreSQL would otherwise
 * raise a cast error). The nil uuid matches nothing.
 */
export function uuidOrNil(id: string): string {
  return isUuid(id) ? id.toLowerCase() : '00000000-0000-0000-0000-000000000000';
}

export async function countAccounts(ctx: CoreContext): Promise<number> {
  return ctx.db.orm.em.fork().count(Account, {});
}

/** Every account, oldest first (operators list them; the API never does). */
export async function listAccounts(ctx: CoreContext): Promise<AccountView[]> {
  const rows = await ctx.db.orm.em.fork().find(Account, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return rows.map((a) => ({ id: a.id, name: a.name }));
}
