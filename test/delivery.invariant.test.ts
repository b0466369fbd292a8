import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: '200ms,400ms' });
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

describe('every claimed delivery ends in a recorded outcome', () => {
  it('a delivery whose request cannot be built is a failed attempt each time, retried on the schedule, then failed for good; nothing reaches the receiver', async () => {
    const { eventId } = await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    // An event no request can be built for (a type the gateway does not know).
    await gw.db.pool.query(`update event set type = 'no_such_event' where id = $1`, [eventId]);
    const before = rx.received.length;
    gw.startWorker();
    await eventually(async () => {
      const { rows } = await gw.db.pool.query<{ status: string }>(`select status from delivery where event_id = $1`, [eventId]);
      return rows[0]?.status === 'failed';
    }, 'the delivery to fail for good');
    const { rows: delivery } = await gw.db.pool.query(`select attempts, last_error_code from delivery where event_id = $1`, [eventId]);
    expect(delivery).toEqual([{ attempts: 3, last_error_code: 'internal' }]);
    const page = await gw.core.logs.list(acct.accountId, { filter: { test: false } });
    expect(page.items.map((a) => [a.attemptNumber, a.outcome, a.httpCode, a.errorCode, a.diagnosis?.code]).reverse()).toEqual([
      [1, 'failed', null, 'internal', 'internal'],
      [2, 'failed', null, 'internal', 'internal'],
      [3, 'failed', null, 'internal', 'internal'],
    ]);
    expect(page.items[0]!.errorText).toContain('the request could not be prepared');
    expect(rx.received.length).toBe(before);
  });
});
