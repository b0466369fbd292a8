import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlClient, ok, startApiGateway } from './helpers/api.js';
import { createTestDatabase } from './helpers/db.js';

/** The admin CLI (`kirisan`, a real process): accounts, keys, link codes, migrations, status. */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [path.resolve('dist/src/cli/main.js'), ...args], { env: { PATH: process.env.PATH ?? '', ENV_FILE: 'none', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
});
afterAll(async () => db?.drop());

const json = <T>(r: Run): T => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

// Each command is a process of its own (a second or more on a busy machine), so a test here runs a dozen.
describe('kirisan, the admin CLI', { timeout: 180_000 }, () => {
  it('create an account, create a key, use it through GraphQL, revoke it', async () => {
    const created = json<{ account: { id: string; name: string }; apiKey: string }>(await cli(['accounts', 'create', 'Acme', '--json'], env));
    expect(created.account.name).toBe('Acme');
    const accountId = created.account.id;

    const second = json<{ key: { id: string; label: string; prefix: string }; apiKey: string }>(await cli(['keys', 'create', accountId, '--label', 'ops laptop', '--json'], env));
    expect(second.key).toMatchObject({ label: 'ops laptop', prefix: second.apiKey.slice(0, 10) });

    const api = await startApiGateway({ ROLES: 'api' }, { url: db.url });
    try {
      const me = await ok(gqlClient(api.http, second.apiKey)<{ me: { id: string; name: string } }>('{ me { id name } }'));
      expect(me.me).toEqual({ id: accountId, name: 'Acme' });

      const listed = json<{ keys: Array<{ id: string; label: string; revokedAt: string | null }> }>(await cli(['keys', 'list', accountId, '--json'], env));
      expect(listed.keys.map((k) => [k.label, k.revokedAt])).toEqual([
        ['default', null],
        ['ops laptop', null],
      ]);
      // In words, the list shows prefixes only: the keys themselves are stored hashed.
      const words = await cli(['keys', 'list', accountId], env);
      expect(words.stdout).toContain(`${second.key.prefix}…`);
      expect(words.stdout).not.toContain(second.apiKey);

      const revoked = await cli(['keys', 'revoke', accountId, second.key.id], env);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toMatch(/revoked at .*requests with it are refused/);
      const refused = await gqlClient(api.http, second.apiKey)('{ me { id } }');
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // The first key still works.
      await ok(gqlClient(api.http, created.apiKey)('{ me { id } }'));
    } finally {
      await api.close();
    }

    // The last live key cannot be revoked: the account would be locked out.
    const keys = json<{ keys: Array<{ id: string; revokedAt: string | null }> }>(await cli(['keys', 'list', accountId, '--json'], env));
    const last = keys.keys.find((k) => !k.revokedAt)!;
    const lockout = await cli(['keys', 'revoke', accountId, last.id], env);
    expect(lockout.code).toBe(1);
    expect(lockout.stderr).toMatch(/last API key: create another one before revoking it/);
  });

  it('says what is wrong in words (or as a stable code with --json), never with raw SQL', async () => {
    const notUuid = await cli(['link-code', 'not-a-uuid'], env);
    expect(notUuid).toMatchObject({ code: 1, stderr: 'error: account not found\n' });
    const asJson = await cli(['keys', 'list', '6f1c1f7e-0000-4000-8000-000000000000', '--json'], env);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: 'account not found', field: 'accountId' } });
    const missing = await cli(['keys', 'create'], env);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/<accountId> is required: kirisan keys create <accountId>/);
    expect((await cli(['accounts', 'delete', 'x'], env)).stderr).toMatch(/unknown command: accounts delete x/);
    const badEnv = await cli(['status'], { DATABASE_URL: 'not a url' });
    expect(badEnv.code).toBe(78);
    expect(badEnv.stderr).toMatch(/DATABASE_URL: use a postgres:\/\/ connection string/);
    const down = await cli(['status'], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/could not reach 127\.0\.0\.1:1\/none \(DATABASE_URL\)/);
    for (const r of [notUuid, asJson]) expect(r.stderr).not.toMatch(/select|where|uuid/i);
  });

  it('link-code, status and migrate', async () => {
    const { account } = json<{ account: { id: string } }>(await cli(['accounts', 'create', 'Ops', '--json'], env));
    const link = json<{ command: string; expiresAt: string }>(await cli(['link-code', account.id, '--json'], env));
    expect(link.command).toMatch(/^\/start [\w-]{22}$/);
    const status = json<{ queue: Record<string, number>; failing: unknown[] }>(await cli(['status', '--json'], env));
    expect(status).toEqual({ queue: { due: 0, leased: 0, retrying: 0, parked: 0, oldestDueAgeSeconds: 0 }, failing: [] });
    expect((await cli(['status', account.id], env)).stdout).toMatch(/^Queue: 0 due, 0 in flight, 0 waiting to retry, 0 parked/);
    expect(json<{ applied: string[] }>(await cli(['migrate', '--json'], env))).toEqual({ applied: [] });
  });

  it('works on the embedded PostgreSQL when DATABASE_URL is unset, starting it for the command', async () => {
    const dataDir = mkdtempSync(path.resolve('.data', 'cli-'));
    // The embedded server runs as the postgres user, who must be able to walk into DATA_DIR.
    chmodSync(dataDir, 0o755);
    try {
      const created = json<{ account: { id: string } }>(await cli(['accounts', 'create', 'Local', '--json'], { DATA_DIR: dataDir }));
      const listed = json<{ accounts: Array<{ id: string; name: string }> }>(await cli(['accounts', 'list', '--json'], { DATA_DIR: dataDir }));
      expect(listed.accounts).toEqual([{ id: created.account.id, name: 'Local' }]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
