import { afterAll, beforeAll, describe, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway(); // the poll every 100 ms
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

/** Every claim fails (counted in a sequence, which no rollback undoes) until `restore` is called. */
async function refuseClaims(): Promise<{ failures: () => Promise<number>; restore: () => Promise<void> }> {
  await gw.db.pool.query(`create sequence claim_failures`);
  await gw.db.pool.query(`do $$
    declare args text; result text;
    begin
      select pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) into args, result from pg_proc p where p.proname = 'claim_deliveries';
      alter function claim_deliveries rename to claim_deliveries_kept;
      execute format('create function claim_deliveries(%s) returns %s language plpgsql as $f$ begin perform nextval(''claim_failures''); raise exception ''claims refused by the test''; end $f$', args, result);
    end $$`);
  return {
    failures: async () => Number((await gw.db.pool.query<{ n: string }>(`select case when is_called then last_value else 0 end as n from claim_failures`)).rows[0]!.n),
    restore: async () => {
      await gw.db.pool.query(`drop function claim_deliveries(text, int, int, int, uuid[], int[], uuid[])`);
      await gw.db.pool.query(`alter function claim_deliveries_kept rename to claim_deliveries`);
    },
  };
}

describe('a worker whose claims fail backs off, and comes back by itself', () => {
  it('after failures that backed it off past the poll interval, it claims again once the database answers, with nothing announced', async () => {
    const claims = await refuseClaims();
    gw.startWorker();
    const before = rx.received.length;
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    // Backoffs of 50, 100, 200, 400 ms: the last is four times the poll.
    await eventually(async () => (await claims.failures()) >= 4, 'four failed claims');
    await claims.restore();
    // No publish, no listener reconnect: only the worker's own timers can find the delivery.
    await eventually(() => rx.received.length > before, 'the delivery, once claims work again');
  });
});
