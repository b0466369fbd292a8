/**
 * Tests wait on signals (a row present, a request received, a message sent), never on time.
 * A wait still gives up eventually, so that a real hang fails with a message saying what was
 * awaited rather than vitest's bare timeout; the ceiling is far above anything a working
 * gateway needs on a busy machine, so it is a hang guard, not a timing bound.
 */
export const HANG_GUARD_MS = Number(process.env.HANG_GUARD_MS ?? 120_000);
