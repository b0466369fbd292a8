import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/db.js';

/**
 * The claim runs as a PL/pgSQL function whose statements keep their plans per connection
 * (Migration20261202010000_claimPlansKept): planned once, usually while the worker starts on
 * an empty queue, and then used while the queue grows to millions of rows or empties again.
 * So each plan must read by key whatever the queue holds. What a claim read is counted by
 * PostgreSQL itself (pg_stat_xact_user_tables, for the claim's own transaction).
 */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: pg.Client;
let worker: pg.Client;
const LANES = 4;
const QUEUED = 200_000;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client(db.url);
  worker = new pg.Client(db.url);
  await Promise.all([admin.connect(), worker.connect()]);
  await admin.query(`
    with a as (insert into account (name) values ('Plans') returning id),
         d as (insert into device (account_id, channel, token, name, identifier, inbound_handler)
               select a.id, 'whatsapp', 'dev_plans', 'Line', '6281200000001', 'webhook' from a returning id, account_id),
         e as (insert into endpoint (account_id, webhook_id, batch_id, channel, name, url, signing_key, events, status, activated_at)
               select d.account_id, gen_random_uuid(), gen_random_uuid(), 'whatsapp', 'plans-' || g, 'http://127.0.0.1:9/' || g,
                      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{submission}', 'active', now()
                 from d, generate_series(1, ${LANES}) g returning id)
    insert into endpoint_device (endpoint_id, device_id) select e.id, d.id from e, d`);
});
afterAll(async () => {
  await Promise.all([admin.end(), worker.end()]);
  await db.drop();
});

const claim = (limit: number) =>
  worker.query<{ id: string }>(`select id from claim_deliveries('w1', $1, 60000, 16, '{}', '{}', '{}')`, [limit]);

/** Rows of `table` the worker's open transaction has read so far, by any path. */
async function readIn(table: string): Promise<number> {
  const { rows } = await worker.query<{ read: string }>(
    `select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as read from pg_stat_xact_user_tables where relname = $1`,
    [table],
  );
  return Number(rows[0]?.read ?? 0);
}

/** In a transaction rolled back afterwards, so that each case finds the same queue. */
async function expectClaimByKey(): Promise<void> {
  await worker.query('begin');
  try {
    const { rows } = await claim(64);
    expect(rows).toHaveLength(64);
    // Each delivery taken is read a few times (found in its lane, leased, returned); a plan
    // that scanned the queue or the events would read tens of thousands here.
    expect(await readIn('delivery')).toBeLessThan(64 * 10);
    expect(await readIn('event')).toBeLessThan(64 * 3);
  } finally {
    await worker.query('rollback');
  }
}

describe('the claim reads by key whatever the queue holds', () => {
  it('a worker whose plans were made on an empty queue claims 64 deliveries of 200,000 reading about as many rows as it takes', async () => {
    // The worker's first claims, on an empty queue, make the plans it keeps.
    for (let i = 0; i < 6; i++) expect((await claim(64)).rows).toHaveLength(0);

    await admin.query(
      `with ev as (insert into event (account_id, device_id, type, payload)
                   select d.account_id, d.id, 'submission', '{"event":"submission"}' from device d, generate_series(1, ${QUEUED / LANES}) returning id, account_id)
       insert into delivery (event_id, endpoint_id, account_id, run_at)
       select ev.id, ed.endpoint_id, ev.account_id, now() - interval '1 minute' from ev cross join endpoint_device ed`,
    );
    await admin.query(`update endpoint_queue set next_at = now() - interval '1 minute'`);

    await expectClaimByKey();
  });

  it('once the statistics say the queue is large (the plans are made again), a claim still reads about as many rows as it takes', async () => {
    await admin.query('vacuum analyze');
    await expectClaimByKey();
  });

  it('the function keeps enable_seqscan off and its plans (a redefinition of claim_deliveries keeps both settings)', async () => {
    const { rows } = await admin.query<{ config: string[] | null }>(`select proconfig as config from pg_proc where proname = 'claim_deliveries'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.config).toEqual(expect.arrayContaining(['enable_seqscan=off', 'plan_cache_mode=force_generic_plan']));
  });
});
