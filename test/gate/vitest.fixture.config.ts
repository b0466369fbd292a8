import { defineConfig } from 'vitest/config';

/**
 * Runs one deliberately broken fixture (GATE_FIXTURE) the way the real suite runs its tests:
 * forked workers and a global setup that starts an embedded PostgreSQL. Used only by
 * test/gate.aFailingTestFailsTheRun.test.ts.
 */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: [`fixtures/${process.env.GATE_FIXTURE ?? 'missing'}.fixture.ts`],
    globalSetup: [process.env.GATE_SETUP === 'throws' ? 'fixtures/setupThrows.ts' : 'fixtures/setupEmbedded.ts'],
    pool: 'forks',
    reporters: ['default'],
  },
});
