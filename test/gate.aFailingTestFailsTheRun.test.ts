import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The gate must be able to fail: `npm test` and `.ci/run` exit non-zero when any one test
 * fails. Each case runs vitest, as the suite does (forked workers, a global setup with an
 * embedded PostgreSQL), on a deliberately broken fixture and checks the exit code. The
 * passing fixture shows the harness itself does not fail every run.
 */
const vitest = path.resolve('node_modules/vitest/vitest.mjs');
const config = path.resolve('test/gate/vitest.fixture.config.ts');

function runFixture(fixture: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', '--config', config], {
      env: { ...process.env, GATE_FIXTURE: fixture, ...env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the test gate', () => {
  it('a passing fixture exits 0 (the harness itself is sound)', async () => {
    const r = await runFixture('passes');
    expect(r.output).toContain('1 passed');
    expect(r.code).toBe(0);
  });

  it('one failed assertion makes the run exit non-zero, also with the embedded PostgreSQL loaded', async () => {
    const r = await runFixture('failedAssertion');
    expect(r.output).toContain('1 failed');
    expect(r.code).not.toBe(0);
  });

  it('an error in the global setup makes the run exit non-zero', async () => {
    const r = await runFixture('passes', { GATE_SETUP: 'throws' });
    expect(r.output).toContain('global setup failed on purpose');
    expect(r.code).not.toBe(0);
  });

  it('a test process that crashes makes the run exit non-zero', async () => {
    const r = await runFixture('crashedWorker');
    expect(r.code).not.toBe(0);
  });

  it('a test that calls process.exit(0) midway makes the run exit non-zero', async () => {
    const r = await runFixture('exitZero');
    expect(r.code).not.toBe(0);
  });
});
