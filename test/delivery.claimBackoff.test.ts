import { beforeAll, describe, it } from 'vitest';
import { useGateway } from './helpers/fixture.js';
import { eventually } from './helpers/gateway.js';

// The poll every 100 ms (the test settings); the worker is started by the test, once claims fail.
const f = useGateway();

beforeAll(async () => {
  await f.activate({ path: '/hook', deviceIds: [f.acct.wa.id], events: ['submission'] });
});

/** Every claim fails (counted in a sequence, which no rollback undoes) until `restore` is called. */
async function refuseClaims(): Promise<{ failures: () => Promise<number>; restore: () => Promise<void> }> {
  await f.gw.db.pool.query(`create sequence claim_failures`);
  await f.gw.db.pool.query(`do $$
    declare args text; result text;
    begin
      select pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) into args, result from pg_proc p where p.proname = 'claim_deliveries';
      alter function claim_deliveries rename to claim_deliveries_kept;
      execute format('create function claim_deliveries(%s) returns %s language plpgsql as $f$ begin perform nextval(''claim_failures''); raise exception ''claims refused by the test''; end $f$', args, result);
    end $$`);
  return {
    failures: async () => Number((await f.gw.db.pool.query<{ n: string }>(`select case when is_called then last_value else 0 end as n from claim_failures`)).rows[0]!.n),
    restore: async () => {
      await f.gw.db.pool.query(`drop function claim_deliveries(text, int, int, int, uuid[], int[], uuid[])`);
      await f.gw.db.pool.query(`alter function claim_deliveries_kept rename to claim_deliveries`);
    },
  };
}

describe('a worker whose claims fail backs off, and comes back by itself', () => {
  it('after failures that backed it off past the poll interval, it claims again once the database answers, with nothing announced', async () => {
    const claims = await refuseClaims();
    f.gw.startWorker();
    const before = f.rx.received.length;
    await f.publish(f.acct.wa, 'submission');
    // Backoffs of 50, 100, 200, 400 ms: the last is four times the poll.
    await eventually(async () => (await claims.failures()) >= 4, 'four failed claims');
    await claims.restore();
    // No publish, no listener reconnect: only the worker's own timers can find the delivery.
    await eventually(() => f.rx.received.length > before, 'the delivery, once claims work again');
  });
});
