import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../src/envFile.js';
import { gqlClient, ok } from './helpers/api.js';
import { createTestDatabase } from './helpers/db.js';
import { startGatewayProcess } from './helpers/processes.js';

/** `.env` is read at start when present (as `.env.example` invites); the environment wins. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kirisan-env-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the .env file', () => {
  it('fills in what the environment leaves unset, and never overrides it', () => {
    const file = path.join(dir, 'settings.env');
    writeFileSync(file, '# a comment\nPORT=5000\nLOG_LEVEL=debug\nCORS_ORIGINS="https://a.example.com"\n');
    const env: Record<string, string | undefined> = { ENV_FILE: file, PORT: '4100' };
    expect(loadEnvFile(env)).toBe(file);
    expect(env).toMatchObject({ PORT: '4100', LOG_LEVEL: 'debug', CORS_ORIGINS: 'https://a.example.com' });
  });

  it('is optional: no .env, nothing read; ENV_FILE=none reads none; a named file that is missing is an error', () => {
    expect(loadEnvFile({ ENV_FILE: 'none' })).toBeNull();
    expect(() => loadEnvFile({ ENV_FILE: path.join(dir, 'missing.env') })).toThrow(/could not read the settings file/);
  });

  it('a gateway started in a folder with a .env uses it, with the environment winning', async () => {
    const db = await createTestDatabase();
    const fileKey = 'platform-key-from-the-dotenv-file';
    writeFileSync(path.join(dir, '.env'), `PLATFORM_API_KEY=${fileKey}\nMETRICS_TOKEN=token-from-the-dotenv-file\nROLES=api\n`);
    const gw = await startGatewayProcess(
      { DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', METRICS_TOKEN: 'token-from-the-environment' },
      'GraphQL API listening',
      { cwd: dir },
    );
    try {
      expect(gw.output()).toContain('settings read from the file');
      const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(gw.output())![1]!;
      // From the file: the platform key works.
      const created = await ok(gqlClient(base, fileKey)<{ createAccount: { apiKey: string } }>('mutation { createAccount(name: "Acme") { apiKey } }'));
      expect(created.createAccount.apiKey).toMatch(/^kir_/);
      // Set in both: the environment's value is the one in force.
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer token-from-the-environment' } })).status).toBe(200);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer token-from-the-dotenv-file' } })).status).toBe(401);
    } finally {
      await gw.stop();
      await db.drop();
    }
  });
});
