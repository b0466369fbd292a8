/**
 * Milliseconds on CLOCK_MONOTONIC (process.hrtime). Unlike Date.now() it has sub-millisecond
 * resolution and, on Linux, the same origin in every process of the machine: the bench, the
 * receiver and the subscriber processes can subtract each other's timestamps directly.
 */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every `everyMs` until it is true, or throws after `timeoutMs` (every wait is bounded). */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
