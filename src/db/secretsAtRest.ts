import type pg from 'pg';
import type { CustomHeader } from '../core/registry/customHeaders.js';
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
       union all
       select split_part(previous_signing_key, ':', 3) from endpoint where previous_signing_key like 'enc:v1:%'
       union all
       select split_part(h->>'value', ':', 3) from endpoint, jsonb_array_elements(custom_headers) h where h->>'value' like 'enc:v1:%'
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
 * The data migration of secrets at rest (secrets, signing keys, a rotated-out key still in its
 * overlap, custom header values): seals every value stored in plain text (rows written
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
    const { rows } = await pool.query<{ id: string; secret: string | null; signing_key: string; previous_signing_key: string | null; custom_headers: CustomHeader[] }>(
      `select id, secret, signing_key, previous_signing_key, custom_headers from endpoint
        where id > $1 and ((secret is not null and secret not like $2) or signing_key not like $2
          or (previous_signing_key is not null and previous_signing_key not like $2)
          or exists (select 1 from jsonb_array_elements(custom_headers) h where h->>'value' not like $2))
        order by id limit ${BATCH}`,
      [after, current],
    );
    if (!rows.length) return total;
    after = rows.at(-1)!.id;
    const reseal = (stored: string, purpose: string) => (vault.keyIdOf(stored) === vault.keyId ? stored : vault.seal(vault.open(stored, purpose), purpose));
    const resealOrNull = (stored: string | null, purpose: string) => (stored === null ? null : reseal(stored, purpose));
    const { rowCount } = await pool.query(
      `update endpoint e
          set secret = n.secret, signing_key = n.signing_key, previous_signing_key = n.previous_key, custom_headers = n.headers::jsonb
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
              as n(id, old_secret, old_key, old_previous, old_headers, secret, signing_key, previous_key, headers)
        where e.id = n.id and e.secret is not distinct from n.old_secret and e.signing_key = n.old_key
          and e.previous_signing_key is not distinct from n.old_previous and e.custom_headers = n.old_headers::jsonb`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.secret),
        rows.map((r) => r.signing_key),
        rows.map((r) => r.previous_signing_key),
        rows.map((r) => JSON.stringify(r.custom_headers)),
        rows.map((r) => resealOrNull(r.secret, SEALED.secret)),
        rows.map((r) => reseal(r.signing_key, SEALED.signingKey)),
        rows.map((r) => resealOrNull(r.previous_signing_key, SEALED.signingKey)),
        rows.map((r) => JSON.stringify(r.custom_headers.map((h) => ({ name: h.name, value: reseal(h.value, SEALED.header) })))),
      ],
    );
    total += rowCount ?? 0;
  }
}
