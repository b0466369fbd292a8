import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ DB_STATEMENT_TIMEOUT_MS: '200' });
});
afterAll(() => gw?.close());

describe('the availability gate', () => {
  it('a statement the server cancels for its timeout is refused alone: the database answered, so every other caller goes on', async () => {
    const slow = await gw.db.pool.query('select pg_sleep(2)').then(
      () => 'answered',
      (e: { code?: string }) => e.code,
    );
    expect(slow).toBe('57014');
    expect(gw.db.available()).toBe(true);
    const seeded = await seedAccount(gw.core);
    expect(seeded.accountId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
