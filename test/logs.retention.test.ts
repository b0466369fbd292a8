import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRetention } from '../src/core/logs/retention.js';
import { attemptPartitions, ensureAttemptPartitions } from '../src/db/sql/attemptPartitions.js';
import { recordAttempts } from '../src/db/sql/recordAttempts.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

const DAY = 86_400_000;
/** Noon (UTC) today: attempts `k + 0.5` days before it start a UTC day exactly. */
const noon = new Date(Math.floor(Date.now() / DAY) * DAY + DAY / 2);

describe('retention', () => {
  it('drops whole days of attempts once the day is older than the retention period, and keeps every newer attempt', async () => {
    const acct = await seedAccount(gw.core);
    await ensureAttemptPartitions(gw.db.pool, new Date(noon.getTime() - 39.5 * DAY), noon);
    await gw.db.pool.query(
      `insert into attempt (account_id, webhook_name, channel, event_name, url, test, started_at, duration_ms, outcome, attempt_number)
       select $1, 'old', 'whatsapp', 'submission', 'https://x.example.com', false, $2::timestamptz - (g - 0.5) * interval '1 day', 5, 'success', 1
         from generate_series(1, 40) g`,
      [acct.accountId, noon],
    );
    const retention = startRetention({ pool: gw.db.pool, days: 30, idempotencyWindowMs: 86_400_000, now: () => noon });
    try {
      // 30 days before noon is noon of a day: that day is kept whole; the 9 days before it go.
      expect(await retention.runOnce()).toHaveLength(9);
      // Nothing more is due: a second run (another process) drops nothing.
      expect(await retention.runOnce()).toEqual([]);
    } finally {
      retention.stop();
    }
    const { rows } = await gw.db.pool.query(`select count(*)::int as n, extract(epoch from $1::timestamptz - min(started_at)) / 86400 as oldest_days from attempt`, [noon]);
    expect(rows[0]).toEqual({ n: 31, oldest_days: '30.5000000000000000' });
    // Partitions stay ready a few days ahead.
    const partitions = await attemptPartitions(gw.db.pool);
    expect(partitions.at(-1)!.to.getTime()).toBeGreaterThanOrEqual(noon.getTime() + 3 * DAY);
    expect(partitions[0]!.from!.getTime()).toBe(noon.getTime() - DAY / 2 - 30 * DAY);
  });

  it('an attempt for a day that has no partition yet is logged all the same', async () => {
    const acct = await seedAccount(gw.core, 'Later');
    const inTenDays = new Date(Date.now() + 10 * DAY);
    const { attemptIds } = await recordAttempts(gw.db.pool, null, [
      { accountId: acct.accountId, deliveryId: null, eventId: null, endpointId: null, webhookName: 'CRM', deviceId: acct.wa.id, channel: 'whatsapp', eventName: 'submission', url: 'https://x.example.com', test: true, startedAt: inTenDays, durationMs: 3, httpCode: 200, outcome: 'success', errorCode: null, errorText: null, responseBody: 'ok', attemptNumber: 1 },
    ], []);
    expect(attemptIds).toHaveLength(1);
    const { rows } = await gw.db.pool.query(`select started_at from attempt where id = $1`, [attemptIds[0]]);
    expect(rows[0].started_at).toEqual(inTenDays);
  });
});
