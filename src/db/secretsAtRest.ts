import type pg from 'pg';
import { SEALED, type Vault } from '../core/security/vault.js';

export class SecretsKeyError extends Error {
  override readonly name = 'SecretsKeyError';
}

/**
 * Refuses to start on a database holding sealed values that no configured key opens: every
 * delivery to those endpoints would fail to sign. The message names the key ids missing.
 */
export async function checkSecretsAtRest(pool: pg.Pool, vault: Vault): Promise<void> {
  const { rows } = await pool.query<{ kid: string; n: number }>(
    `select kid, count(*)::int as n from (
       select split_part(secret, ':', 3) as kid from endpoint where secret like 'enc:v1:%'
       union all
       select split_part(signing_key, ':', 3) from endpoint where signing_key like 'enc:v1:%'
     ) k group by kid`,
  );
  const missing = rows.filter((r) => !vault.keyIds.includes(r.kid));
  if (!missing.length) return;
  const list = missing.map((r) => `${r.kid} (${r.n} values)`).join(', ');
  throw new SecretsKeyError(
    vault.keyId === null
      ? `The database holds webhook secrets and signing keys encrypted with key ${list}, but ENCRYPTION_KEY is not set. Set ENCRYPTION_KEY to that key (its id is the first 8 hex digits of its SHA-256).`
      : `The database holds webhook secrets and signing keys encrypted with key ${list}, which neither ENCRYPTION_KEY (${vault.keyId}) nor ENCRYPTION_PREVIOUS_KEYS holds. Add that key to ENCRYPTION_PREVIOUS_KEYS.`,
  );
}

const BATCH = 500;

/**
 * The data migration of secrets at rest: seals every value stored in plain text (rows written
 * before encryption, or while no key was set) and re-seals every value sealed with a previous
 * key, a batch at a time. Each row is rewritten only if it still holds what was read, so a
 * concurrent edit (already sealed with the current key) wins, and several processes may run
 * it at once. Returns the number of endpoints rewritten.
 */
export async function sealSecretsAtRest(pool: pg.Pool, vault: Vault): Promise<number> {
  if (vault.keyId === null) return 0;
  const current = `enc:v1:${vault.keyId}:%`;
  let total = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await pool.query<{ id: string; secret: string | null; signing_key: string }>(
      `select id, secret, signing_key from endpoint
        where id > $1 and ((secret is not null and secret not like $2) or signing_key not like $2)
        order by id limit ${BATCH}`,
      [after, current],
    );
    if (!rows.length) return total;
    after = rows.at(-1)!.id;
    const reseal = (stored: string, purpose: string) => (vault.keyIdOf(stored) === vault.keyId ? stored : vault.seal(vault.open(stored, purpose), purpose));
    const { rowCount } = await pool.query(
      `update endpoint e set secret = n.secret, signing_key = n.signing_key
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) as n(id, old_secret, old_key, secret, signing_key)
        where e.id = n.id and e.secret is not distinct from n.old_secret and e.signing_key = n.old_key`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.secret),
        rows.map((r) => r.signing_key),
        rows.map((r) => (r.secret === null ? null : reseal(r.secret, SEALED.secret))),
        rows.map((r) => reseal(r.signing_key, SEALED.signingKey)),
      ],
    );
    total += rowCount ?? 0;
  }
}
