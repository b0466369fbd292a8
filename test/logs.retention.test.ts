import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRetention } from '../src/core/logs/retention.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

describe('retention', () => {
  it('prunes attempts older than the retention period and keeps newer ones', async () => {
    const acct = await seedAccount(gw.core);
    await gw.db.pool.query(
      `insert into attempt (account_id, webhook_name, channel, event_name, url, test, started_at, duration_ms, outcome, attempt_number)
       select $1, 'old', 'whatsapp', 'submission', 'https://x.example.com', false, now() - (g - 0.5) * interval '1 day', 5, 'success', 1
         from generate_series(1, 40) g`,
      [acct.accountId],
    );
    const retention = startRetention({ pool: gw.db.pool, days: 30 });
    try {
      expect(await retention.runOnce()).toBe(10);
    } finally {
      retention.stop();
    }
    const { rows } = await gw.db.pool.query(`select count(*)::int as n, max(now() - started_at) < interval '30 days' as fresh from attempt`);
    expect(rows[0]).toEqual({ n: 30, fresh: true });
  });
});
