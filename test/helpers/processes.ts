import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BUSY_MACHINE_DATABASE, TEST_ENCRYPTION_KEY } from './gateway.js';
import { HANG_GUARD_MS } from './waits.js';

/**
 * A real gateway process (`node dist/src/main.js`, as `npm start` runs it) with the given
 * environment (in `cwd` when given, which then may hold a .env). Resolves once it logged
 * `readyMessage`.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  readyMessage = 'delivery worker started',
  opts: { cwd?: string; nodeArgs?: string[] } = {},
): Promise<{ child: ChildProcess; output: () => string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.resolve('dist/src/main.js')], {
    // ENV_FILE=none: a developer's own .env in the checkout must not leak into tests. PORT=0:
    // every role now has an HTTP server, and a fixed port collides with the next process (or
    // another suite on the machine), which then dies after it said its worker started.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...BUSY_MACHINE_DATABASE, ...(opts.cwd ? {} : { ENV_FILE: 'none' }), ...env },
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`gave up waiting for the gateway process to be ready:\n${out}`)), HANG_GUARD_MS);
    const check = () => {
      if (out.includes(readyMessage)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`gateway process exited (${code}):\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
