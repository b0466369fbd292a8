import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: webhook signing secrets, signing keys and custom header values are stored sealed with
 * AES-256-GCM (node:crypto) under a key from the environment, as
 * `enc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`. The key id (the first 8 hex digits of
 * the key's SHA-256) travels with each value, so that after a rotation values sealed with the
 * previous key still open while they are re-sealed, and a database holding values no
 * configured key opens is refused at start, naming the key it needs. The column a value
 * belongs to is authenticated with it (GCM's additional data): a secret copied into the
 * signing-key column does not open.
 *
 * Without a key, values are stored as given (and a value without the prefix always opens as
 * itself, which is how rows written before encryption are read until they are sealed).
 */
export interface Vault {
  /** Id of the key new values are sealed with; null when no key is configured. */
  readonly keyId: string | null;
  /** Every key id this vault opens. */
  readonly keyIds: readonly string[];
  seal(plain: string, purpose: string): string;
  /** The plain value; cached per stored value (the delivery hot path opens the same values again and again). */
  open(stored: string, purpose: string): string;
  /** The key id a stored value was sealed with, or null for a plain value. */
  keyIdOf(stored: string): string | null;
}

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Opened values kept per vault: one secret and one signing key for each of this many endpoints. */
export const OPEN_CACHE_MAX = 10_000;

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

/** A key from the environment: 32 bytes as base64 (`openssl rand -base64 32`) or 64 hex digits. */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}$/.test(t)) return Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
  throw new VaultError('an encryption key must be 32 random bytes, as base64 (openssl rand -base64 32) or 64 hex digits');
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

/** `current` seals and opens; `previous` keys only open (values sealed before a rotation). */
export function createVault(keys: { current?: Buffer | null; previous?: readonly Buffer[] } = {}): Vault {
  const byId = new Map<string, Buffer>();
  for (const k of [...(keys.current ? [keys.current] : []), ...(keys.previous ?? [])]) byId.set(keyIdOf(k), k);
  const keyId = keys.current ? keyIdOf(keys.current) : null;
  const opened = new Map<string, string>();

  return {
    keyId,
    keyIds: [...byId.keys()],
    seal(plain, purpose) {
      if (!keyId) return plain;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', byId.get(keyId)!, iv);
      cipher.setAAD(Buffer.from(purpose));
      const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${keyId}:${sealed.toString('base64url')}`;
    },
    open(stored, purpose) {
      if (!stored.startsWith(PREFIX)) return stored;
      const cacheKey = `${purpose}\n${stored}`;
      const hit = opened.get(cacheKey);
      if (hit !== undefined) return hit;
      const id = stored.slice(PREFIX.length, PREFIX.length + 8);
      const key = byId.get(id);
      if (!key) throw new VaultError(`a stored secret is sealed with key ${id}, which is not configured (ENCRYPTION_KEY / ENCRYPTION_PREVIOUS_KEYS)`);
      const raw = Buffer.from(stored.slice(PREFIX.length + 9), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      let plain: string;
      try {
        plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new VaultError(`a stored secret sealed with key ${id} does not open: it was altered, or belongs to another column`);
      }
      if (opened.size >= OPEN_CACHE_MAX) opened.clear();
      opened.set(cacheKey, plain);
      return plain;
    },
    keyIdOf(stored) {
      return stored.startsWith(PREFIX) ? stored.slice(PREFIX.length, PREFIX.length + 8) : null;
    },
  };
}

/** The columns sealed values live in; each is the additional data of its values. */
export const SEALED = { secret: 'endpoint.secret', signingKey: 'endpoint.signing_key', header: 'endpoint.custom_headers' } as const;

/** A webhook's custom headers as stored: names as they are, each value sealed (it often is the receiver's API key). */
export function openHeaders(vault: Vault, headers: ReadonlyArray<{ name: string; value: string }>): Array<{ name: string; value: string }> {
  return headers.map((h) => ({ name: h.name, value: vault.open(h.value, SEALED.header) }));
}
