import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newKey } from '../core/security/vault.js';

/**
 * The embedded database's encryption key, kept beside its data (DATA_DIR/encryption.key, mode
 * 600) and made on the first start, so that `npm start` seals secrets at rest with nothing to
 * configure. Whoever copies the data folder copies the key with it: for real deployments, set
 * ENCRYPTION_KEY and keep the key apart from the database.
 */
export function embeddedKey(dataDir: string): string {
  const file = path.join(dataDir, 'encryption.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = newKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
