import { monoMs } from './clock.js';

const t0 = monoMs();

/** One progress line on the terminal, stamped with the time since the bench started. */
export function progress(phase: string, text: string): void {
  const s = ((monoMs() - t0) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`${s}s  [${phase}] ${text}\n`);
}

/** Calls `line()` every `ms` and prints what it returns; the returned function stops it. */
export function ticker(phase: string, ms: number, line: () => string | Promise<string>): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    Promise.resolve(line()).then(
      (text) => !stopped && progress(phase, text),
      () => undefined,
    );
  }, ms);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
