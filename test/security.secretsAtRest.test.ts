import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, keyIdOf, newKey, parseKey, SEALED, VaultError } from '../src/core/security/vault.js';
import { embeddedKey } from '../src/db/keyFile.js';
import { createTestDatabase } from './helpers/db.js';
import { saveActive, seedAccount, startTestGateway, TEST_ENCRYPTION_KEY } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * Signing secrets, signing keys and custom header values are stored sealed (AES-256-GCM, key id with each value):
 * PostgreSQL never holds them in plain text, keys rotate, and a database whose values no
 * configured key opens is refused at start.
 */

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: pg.Client;
let rx: Receiver;
const SECRET = 'at-rest-secret-4321';
/** A custom header's value is often the receiver's API key: sealed like a secret. */
const HEADER = { name: 'Authorization', value: 'Bearer sk_live_at_rest_8765' };
const TEST_KID = keyIdOf(parseKey(TEST_ENCRYPTION_KEY));

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client(db.url);
  await admin.connect();
  rx = await startReceiver();
});
afterAll(async () => {
  await admin.end();
  await rx.close();
  await db.drop();
});

const stored = async () =>
  (await admin.query<{ id: string; secret: string | null; signing_key: string; custom_headers: Array<{ name: string; value: string }> }>('select id, secret, signing_key, custom_headers from endpoint order by id')).rows;

describe('secrets at rest', () => {
  let webhookId: string;
  let signingKey: string;
  let accountId: string;

  it('the database holds only sealed values, with the key id; the API and the receiver see the plain ones', async () => {
    const gw = await startTestGateway({}, { url: db.url });
    try {
      const acct = await seedAccount(gw.core);
      accountId = acct.accountId;
      const saved = await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/crm`, secret: SECRET, deviceIds: [acct.wa.id, acct.tg.id], events: ['submission'] });
      webhookId = saved.webhookId;
      signingKey = saved.signingKey;
      await gw.core.webhooks.setHeaders(acct.accountId, webhookId, [HEADER]);
      for (const row of await stored()) {
        expect(row.secret).toMatch(new RegExp(`^enc:v1:${TEST_KID}:[A-Za-z0-9_-]+$`));
        expect(row.signing_key).toMatch(new RegExp(`^enc:v1:${TEST_KID}:`));
        expect(row.custom_headers).toEqual([{ name: HEADER.name, value: expect.stringMatching(new RegExp(`^enc:v1:${TEST_KID}:`)) }]);
        expect(`${row.secret}${row.signing_key}${JSON.stringify(row.custom_headers)}`).not.toContain(SECRET);
        expect(JSON.stringify(row.custom_headers)).not.toContain('sk_live');
        expect(row.signing_key).not.toContain(signingKey.slice(6, 20));
      }
      expect((await gw.core.webhooks.list(acct.accountId)).items[0]).toMatchObject({ secretHint: '••••4321' });
      expect(await gw.core.webhooks.signingKey(acct.accountId, webhookId)).toBe(signingKey);

      gw.startWorker();
      const n = rx.received.length;
      await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
      await rx.waitFor(n + 1);
      const post = rx.received.at(-1)!;
      expect(post.headers['x-webhook-secret']).toBe(SECRET);
      expect(post.headers['authorization']).toBe(HEADER.value);
      expect(() => new Webhook(signingKey).verify(post.body, post.headers as Record<string, string>)).not.toThrow();
    } finally {
      await gw.close();
    }
  });

  it('an edit that does not touch the secret does not rewrite the sealed values', async () => {
    const gw = await startTestGateway({}, { url: db.url });
    try {
      const before = await stored();
      const endpoints = await gw.core.webhooks.endpoints(accountId, webhookId);
      await gw.core.webhooks.update(accountId, webhookId, { name: 'CRM renamed', url: endpoints[0]!.url, secret: SECRET, deviceIds: endpoints.flatMap((e) => e.devices.map((d) => d.id)), events: ['submission'] });
      expect(await stored()).toEqual(before);
    } finally {
      await gw.close();
    }
  });

  it('a database holding sealed values refuses to start without the key, or with another key, naming the key id it needs', async () => {
    await expect(startTestGateway({ ENCRYPTION_KEY: '' }, { url: db.url })).rejects.toThrow(
      new RegExp(`encrypted with key ${TEST_KID} \\(\\d+ values\\), but ENCRYPTION_KEY is not set`),
    );
    await expect(startTestGateway({ ENCRYPTION_KEY: newKey() }, { url: db.url })).rejects.toThrow(new RegExp(`key ${TEST_KID} .*Add that key to ENCRYPTION_PREVIOUS_KEYS`));
  });

  it('key rotation: with the new key and the old one as previous, a start re-seals every value with the new key', async () => {
    const next = newKey();
    const gw = await startTestGateway({ ENCRYPTION_KEY: next, ENCRYPTION_PREVIOUS_KEYS: TEST_ENCRYPTION_KEY, MIGRATE_ON_START: 'true' }, { url: db.url });
    try {
      for (const row of await stored()) {
        expect(row.secret).toMatch(new RegExp(`^enc:v1:${keyIdOf(parseKey(next))}:`));
        expect(row.signing_key).toMatch(new RegExp(`^enc:v1:${keyIdOf(parseKey(next))}:`));
        expect(row.custom_headers[0]!.value).toMatch(new RegExp(`^enc:v1:${keyIdOf(parseKey(next))}:`));
      }
      expect((await gw.core.webhooks.settings(accountId, webhookId)).customHeaders).toEqual([{ name: HEADER.name, valueHint: '••••8765' }]);
      expect(await gw.core.webhooks.signingKey(accountId, webhookId)).toBe(signingKey);
    } finally {
      await gw.close();
    }
    // The old key is no longer needed; without the new one the database is refused.
    const after = await startTestGateway({ ENCRYPTION_KEY: next }, { url: db.url });
    await after.close();
    await expect(startTestGateway({}, { url: db.url })).rejects.toThrow(/Add that key to ENCRYPTION_PREVIOUS_KEYS/);
  });

  it('rows stored in plain text (before encryption, or without a key) are sealed by the start that migrates', async () => {
    const plainDb = await createTestDatabase();
    try {
      const plain = await startTestGateway({ ENCRYPTION_KEY: '' }, { url: plainDb.url });
      const acct = await seedAccount(plain.core);
      const saved = await plain.core.webhooks.save(acct.accountId, { name: 'Old', url: 'https://hooks.example.com/old', secret: SECRET, deviceIds: [acct.wa.id], events: ['submission'] });
      await plain.core.webhooks.setHeaders(acct.accountId, saved.webhookId, [HEADER]);
      await plain.close();
      const c = new pg.Client(plainDb.url);
      await c.connect();
      try {
        expect((await c.query('select secret, custom_headers from endpoint')).rows).toEqual([{ secret: SECRET, custom_headers: [HEADER] }]);
        const sealed = await startTestGateway({ MIGRATE_ON_START: 'true' }, { url: plainDb.url });
        try {
          const { rows } = await c.query<{ secret: string; signing_key: string; custom_headers: Array<{ value: string }> }>('select secret, signing_key, custom_headers from endpoint');
          expect(rows[0]!.secret).toMatch(new RegExp(`^enc:v1:${TEST_KID}:`));
          expect(rows[0]!.signing_key).toMatch(new RegExp(`^enc:v1:${TEST_KID}:`));
          expect(rows[0]!.custom_headers[0]!.value).toMatch(new RegExp(`^enc:v1:${TEST_KID}:`));
          expect(await sealed.core.webhooks.signingKey(acct.accountId, saved.webhookId)).toBe(saved.signingKey);
          expect((await sealed.core.webhooks.list(acct.accountId)).items[0]).toMatchObject({ secretHint: '••••4321' });
        } finally {
          await sealed.close();
        }
      } finally {
        await c.end();
      }
    } finally {
      await plainDb.drop();
    }
  });
});

describe('the vault', () => {
  const vault = createVault({ current: parseKey(TEST_ENCRYPTION_KEY) });

  it('a value opens only in its own column and only untouched', () => {
    const sealed = vault.seal('whsec_abc', SEALED.signingKey);
    expect(vault.open(sealed, SEALED.signingKey)).toBe('whsec_abc');
    expect(() => createVault({ current: parseKey(TEST_ENCRYPTION_KEY) }).open(sealed, SEALED.secret)).toThrow(VaultError);
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => vault.open(tampered, SEALED.signingKey)).toThrow(/does not open/);
  });

  it('a plain value (no prefix) opens as itself; without a key, values are stored as given', () => {
    expect(vault.open('legacy-plain', SEALED.secret)).toBe('legacy-plain');
    expect(createVault().seal('as given', SEALED.secret)).toBe('as given');
    expect(vault.keyIdOf('legacy-plain')).toBeNull();
  });

  it('keys are 32 bytes, as base64, base64url or hex; anything else is refused', () => {
    const hex = 'ab'.repeat(32);
    expect(parseKey(hex)).toHaveLength(32);
    expect(parseKey(Buffer.from(hex, 'hex').toString('base64url'))).toEqual(Buffer.from(hex, 'hex'));
    for (const bad of ['', 'short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64')]) expect(() => parseKey(bad)).toThrow(VaultError);
  });

  it('the embedded database gets its key made once in the data folder, readable by the owner only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kirisan-key-'));
    try {
      const key = embeddedKey(dir);
      expect(parseKey(key)).toHaveLength(32);
      expect(statSync(path.join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
      expect(embeddedKey(dir)).toBe(key);
      expect(readFileSync(path.join(dir, 'encryption.key'), 'utf8').trim()).toBe(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
