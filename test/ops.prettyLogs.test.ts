import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/db.js';

/**
 * Log lines are JSON for machines (every other process test reads them piped), and readable
 * lines for a person at a terminal: a real gateway process on a pseudo-terminal (util-linux
 * `script`) in development writes pino-pretty lines.
 */

function startOnTerminal(env: Record<string, string>): Promise<string> {
  const command = `${process.execPath} ${path.resolve('dist/src/main.js')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', ENV_FILE: 'none', TERM: 'dumb', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('GraphQL API listening')) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('log format', () => {
  it('on a terminal in development, lines are pretty (time, level, message), not JSON', async () => {
    const db = await createTestDatabase();
    try {
      const out = await startOnTerminal({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', ROLES: 'api' });
      expect(out).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: GraphQL API listening/);
      expect(out).not.toContain('{"level"');
    } finally {
      await db.drop();
    }
  });
});
