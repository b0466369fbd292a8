import { MikroORM } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { claimDeliveries } from '../src/db/sql/claimDeliveries.js';
import { attemptPartitions } from '../src/db/sql/attemptPartitions.js';
import { ormConfig } from '../src/db/mikro-orm.config.js';

/**
 * The migration to lanes, lighter deliveries and a partitioned attempt log, run on a database
 * that already holds what the previous schema wrote: nothing is lost, nothing moves, and
 * everything keeps working afterwards.
 */
const admin = inject('pgUrl');
const name = `t_mig_${randomBytes(5).toString('hex')}`;
const url = Object.assign(new URL(admin), { pathname: `/${name}` }).toString();
let db: pg.Pool;
let orm: MikroORM;

const ids = { account: '', device: '', endpoint: '', paused: '', event: '' };

beforeAll(async () => {
  const c = new pg.Client(admin);
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  orm = await MikroORM.init(ormConfig(url, 1));
  await orm.getMigrator().up({ to: 'Migration20261123200000_perf' });
  db = new pg.Pool({ connectionString: url, max: 2 });
  const one = async (sql: string, values: unknown[] = []) => (await db.query<{ id: string }>(sql, values)).rows[0]!.id;
  ids.account = await one(`insert into account (name) values ('Acme') returning id`);
  ids.device = await one(`insert into device (account_id, channel, token, name, identifier, inbound_handler) values ($1, 'whatsapp', 'dev_mig', 'Line', '6281', 'webhook') returning id`, [ids.account]);
  const endpoint = (paused: string | null) =>
    one(
      `insert into endpoint (account_id, webhook_id, batch_id, channel, name, url, signing_key, events, status, paused_until)
       values ($1, gen_random_uuid(), gen_random_uuid(), 'whatsapp', 'CRM', 'https://crm.example.com/hook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{submission}', 'active', $2) returning id`,
      [ids.account, paused],
    );
  ids.endpoint = await endpoint(null);
  ids.paused = await endpoint(new Date(Date.now() + 3_600_000).toISOString());
  ids.event = await one(`insert into event (account_id, device_id, type, payload) values ($1, $2, 'submission', '{"event":"submission"}') returning id`, [ids.account, ids.device]);
  await db.query(
    `insert into delivery (event_id, endpoint_id, account_id, status, attempts, run_at)
     values ($1, $2, $3, 'pending', 0, now() - interval '1 minute'),
            ($1, $2, $3, 'pending', 1, now() + interval '1 hour'),
            ($1, $2, $3, 'failed', 7, now() - interval '1 day'),
            ($1, $2, $3, 'succeeded', 1, now() - interval '2 days'),
            ($1, $4, $3, 'pending', 0, now() - interval '5 minutes')`,
    [ids.event, ids.endpoint, ids.account, ids.paused],
  );
  await db.query(
    `insert into attempt (account_id, endpoint_id, webhook_name, channel, event_name, url, test, started_at, duration_ms, outcome, attempt_number)
     select $1, $2, 'CRM', 'whatsapp', 'submission', 'https://crm.example.com/hook', false, now() - g * interval '1 hour', 5, 'success', 1
       from generate_series(1, 50) g`,
    [ids.account, ids.endpoint],
  );
  await orm.getMigrator().up();
});

afterAll(async () => {
  await db?.end();
  await orm?.close(true);
  const c = new pg.Client(admin);
  await c.connect();
  await c.query(`drop database if exists ${name} with (force)`);
  await c.end();
});

describe('the queue and partitioning migration on existing data', () => {
  it('keeps every attempt, in one partition for everything before the change, with daily ones after it', async () => {
    const { rows } = await db.query(`select count(*)::int as n, max(id)::int as newest from attempt`);
    expect(rows[0]).toEqual({ n: 50, newest: 50 });
    const partitions = await attemptPartitions(db);
    expect(partitions[0]).toMatchObject({ name: 'attempt_legacy', from: null });
    expect(partitions.length).toBeGreaterThanOrEqual(4);
    // New attempts get the next ids and land in a daily partition.
    await db.query(
      `insert into attempt (account_id, webhook_name, channel, event_name, url, test, started_at, duration_ms, outcome, attempt_number)
       values ($1, 'CRM', 'whatsapp', 'submission', 'https://x.example.com', false, now() + interval '1 day', 5, 'success', 1)`,
      [ids.account],
    );
    const { rows: after } = await db.query(`select id::int, tableoid::regclass::text as part from attempt where id > 50`);
    expect(after).toEqual([{ id: 51, part: expect.stringMatching(/^attempt_p\d{8}$/) }]);
  });

  it('gives each endpoint a lane due at its earliest pending delivery, with the circuit breaker’s pause carried over', async () => {
    const { rows } = await db.query(
      `select q.endpoint_id, q.active, q.paused_until is not null as paused,
              q.next_at = (select min(run_at) from delivery d where d.endpoint_id = q.endpoint_id and d.status = 'pending') as at_earliest
         from endpoint_queue q order by q.paused_until nulls first`,
    );
    expect(rows).toEqual([
      { endpoint_id: ids.endpoint, active: true, paused: false, at_earliest: true },
      { endpoint_id: ids.paused, active: true, paused: true, at_earliest: true },
    ]);
  });

  it('claims what was due, and nothing of the paused endpoint', async () => {
    const claimed = await claimDeliveries(db, { workerId: 'w', limit: 10, leaseMs: 60_000, perEndpoint: 16, busyEndpoints: [], busyFree: [] });
    expect(claimed.map((c) => [c.endpointId, c.attempt, c.url])).toEqual([[ids.endpoint, 1, 'https://crm.example.com/hook']]);
  });

  it('deleting an endpoint takes its queued and failed deliveries and its lane with it', async () => {
    await db.query(`delete from endpoint where id = $1`, [ids.endpoint]);
    const { rows } = await db.query(
      `select (select string_agg(status, ',' order by status) from delivery where endpoint_id = $1) as left,
              (select count(*)::int from endpoint_queue where endpoint_id = $1) as lanes`,
      [ids.endpoint],
    );
    // The delivered delivery is history (its attempts are kept too), not work.
    expect(rows[0]).toEqual({ left: 'succeeded', lanes: 0 });
  });
});
