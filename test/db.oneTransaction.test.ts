import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '../src/db/entities/index.js';
import { ENDPOINT_CHANNEL } from '../src/db/sql/channels.js';
import { announceEndpointStatus } from '../src/db/sql/endpointStatus.js';
import { inTransaction } from '../src/db/transaction.js';
import { eventually, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const accountsNamed = async (name: string) => (await gw.db.pool.query('select 1 from account where name = $1', [name])).rowCount;

describe('one transaction spans the ORM and named SQL', () => {
  it('the entity manager and the named statements of a transaction run on one connection', async () => {
    const [orm, sql] = await inTransaction(gw.db, async ({ em, sql }) => {
      const [a] = await em.execute<Array<{ pid: number }>>('select pg_backend_pid() as pid');
      const { rows } = await sql.query<{ pid: number }>('select pg_backend_pid() as pid');
      return [a!.pid, rows[0]!.pid];
    });
    expect(orm).toBe(sql);
  });

  it('a failure rolls back what the ORM flushed and what named SQL wrote, together', async () => {
    const failed = inTransaction(gw.db, async ({ em, sql }) => {
      em.create(Account, { name: 'flushed by the ORM', createdAt: new Date() });
      await em.flush();
      await sql.query(`insert into account (name) values ('written by SQL')`);
      expect(await accountsNamed('flushed by the ORM')).toBe(0); // not committed yet: invisible outside
      throw new Error('the third step failed');
    });
    await expect(failed).rejects.toThrow('the third step failed');
    expect(await accountsNamed('flushed by the ORM')).toBe(0);
    expect(await accountsNamed('written by SQL')).toBe(0);
  });

  it('a status change announced in a transaction is heard when it commits, never when it rolls back', async () => {
    const heard: string[] = [];
    const off = gw.listener.on(ENDPOINT_CHANNEL, (_c, payload) => heard.push((JSON.parse(payload) as { endpointId: string }).endpointId));
    try {
      const change = (endpointId: string) => [{ accountId: 'acct', endpointId, webhookId: 'wh', status: 'active' }];
      await expect(
        inTransaction(gw.db, async ({ sql }) => {
          await announceEndpointStatus(sql, change('rolled-back'));
          throw new Error('refused after announcing');
        }),
      ).rejects.toThrow('refused');
      await inTransaction(gw.db, ({ sql }) => announceEndpointStatus(sql, change('committed')));
      // Notifications arrive in commit order: had the first been sent, it would be here before this one.
      await eventually(() => heard.includes('committed'), 'the committed announcement');
      expect(heard).toEqual(['committed']);
    } finally {
      off();
    }
  });
});
