import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ProbeReply {
  /** SQL statements sent by the process since it started. */
  statements: number;
  /** User + system CPU since it started. */
  cpuSeconds: number;
  /** Of which in the kernel (socket writes and reads on loopback cost the writer both ends). */
  systemCpuSeconds: number;
  /** Peak resident set since it started. */
  peakRssMb: number;
  rssMb: number;
  /** Durations of the claim statements since the previous sample, ms. */
  claimMs: number[];
  /** Deliveries those claims returned. */
  claimRows: number;
}

export interface GatewayProcess {
  pid: number;
  sample(): Promise<ProbeReply>;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A real gateway process, as `npm start` runs it (`node dist/src/main.js`), with the probe
 * preloaded (children/gatewayProbe.ts). Resolves once it logged `readyMessage`; `stop()`
 * sends SIGTERM and, after `graceMs`, SIGKILL (a hanging endpoint may hold a POST open).
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  opts: { readyMessage: string; cpuProfDir?: string | null; name: string; /** Another entry point (a baseline), relative to the project. @default dist/src/main.js */ script?: string },
): Promise<GatewayProcess> {
  const probe = pathToFileURL(fileURLToPath(new URL('../children/gatewayProbe.js', import.meta.url))).href;
  const prof = opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(opts.cpuProfDir), '--cpu-prof-name', `${opts.name}-${Date.now()}.cpuprofile`] : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, '--import', probe, path.resolve(opts.script ?? 'dist/src/main.js')], {
    // PORT=0: every role serves its probes on PORT, and bench processes run side by side.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', ENV_FILE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  // Keep the log's tail only: a long run must not grow the bench's memory.
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway process not ready in 30 s:\n${out}`)), 30_000);
    const check = () => {
      if (!out.includes(opts.readyMessage)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`gateway process exited (${code}):\n${out}`));
    };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
  });
  return {
    pid: child.pid ?? 0,
    output: () => out,
    sample: () =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`gateway process ${opts.name} is gone (${child.exitCode ?? child.signalCode}):\n${out}`));
        const timer = setTimeout(() => reject(new Error('the gateway probe did not answer in 5 s')), 5_000);
        child.once('message', (m: ProbeReply) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.send('sample', (e) => {
          if (!e) return;
          clearTimeout(timer);
          reject(new Error(`gateway process ${opts.name} is gone:\n${out}`, { cause: e }));
        });
      }),
    async stop(graceMs = 8_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
