import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/db.js';

/**
 * The claim runs as a PL/pgSQL function whose statements keep their plans per connection
 * (Migration20261202120000_claimPlansKept): planned once, usually while the worker starts on
 * an empty queue, and then used while the queue grows to millions of rows or empties again.
 * So each plan must read by key whatever the queue holds and whatever the statistics said
 * when it was made. What a claim read is counted by PostgreSQL itself
 * (pg_stat_xact_user_tables, for the claim's own transaction).
 */
const TABLES = ['delivery', 'event', 'endpoint', 'endpoint_queue', 'device'] as const;
const CLAIMED = 64;

/** A database with `lanes` endpoints of one device and a worker connection; the queue is filled by `fill`. */
function queueShape(lanes: number, perLane: number) {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: pg.Client;
  let worker: pg.Client;

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
                   from d, generate_series(1, ${lanes}) g returning id)
      insert into endpoint_device (endpoint_id, device_id) select e.id, d.id from e, d`);
  });
  afterAll(async () => {
    await Promise.all([admin.end(), worker.end()]);
    await db.drop();
  });

  const claim = () => worker.query<{ id: string }>(`select id from claim_deliveries('w1', $1, 60000, 16, '{}', '{}', '{}')`, [CLAIMED]);

  return {
    /** Statistics that say the queue and the events are empty, then the worker's first claims, which make the plans it keeps. */
    async planOnEmptyStatistics(): Promise<void> {
      await admin.query('vacuum analyze');
      for (let i = 0; i < 6; i++) expect((await claim()).rows).toHaveLength(0);
    },
    /** `perLane` due deliveries in every lane (an event per row of lanes, fanned out to all of them). */
    async fill(): Promise<void> {
      await admin.query(
        `with ev as (insert into event (account_id, device_id, type, payload)
                     select d.account_id, d.id, 'submission', '{"event":"submission"}' from device d, generate_series(1, ${perLane}) returning id, account_id)
         insert into delivery (event_id, endpoint_id, account_id, run_at)
         select ev.id, ed.endpoint_id, ev.account_id, now() - interval '1 minute' from ev cross join endpoint_device ed`,
      );
      await admin.query(`update endpoint_queue set next_at = now() - interval '1 minute'`);
    },
    analyze: () => admin.query('vacuum analyze'),
    /** One claim, rolled back afterwards so that each case finds the same queue: the rows of each table it read. */
    async claimReads(): Promise<Record<(typeof TABLES)[number], number> & { claimed: number }> {
      await worker.query('begin');
      try {
        const { rows } = await claim();
        const stats = await worker.query<{ relname: string; read: string }>(
          `select relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as read from pg_stat_xact_user_tables where relname = any($1)`,
          [TABLES],
        );
        const read = Object.fromEntries(TABLES.map((t) => [t, Number(stats.rows.find((r) => r.relname === t)?.read ?? 0)]));
        return { ...(read as Record<(typeof TABLES)[number], number>), claimed: rows.length };
      } finally {
        await worker.query('rollback');
      }
    },
    config: async () =>
      (await admin.query<{ config: string[] | null }>(`select proconfig as config from pg_proc where proname = 'claim_deliveries'`)).rows,
  };
}

/**
 * Each delivery taken is read a few times (found in its lane, leased, returned), each of its
 * lane, endpoint, event and device a few times; a plan that scanned a table would read
 * tens of thousands of rows here.
 */
function expectReadByKey(r: Awaited<ReturnType<ReturnType<typeof queueShape>['claimReads']>>): void {
  expect(r.claimed).toBe(CLAIMED);
  expect(r.delivery).toBeLessThan(CLAIMED * 10);
  for (const t of ['event', 'endpoint', 'endpoint_queue', 'device'] as const) expect(r[t], t).toBeLessThan(CLAIMED * 10);
}

describe('four busy endpoints, 200,000 deliveries queued', () => {
  const q = queueShape(4, 50_000);

  it('a worker whose plans were made on empty statistics claims 64 deliveries reading about as many rows as it takes', async () => {
    await q.planOnEmptyStatistics();
    await q.fill();
    expectReadByKey(await q.claimReads());
  });

  it('once the statistics say the queue is large (the plans are made again), a claim still reads about as many rows as it takes', async () => {
    await q.analyze();
    expectReadByKey(await q.claimReads());
  });

  it('the function keeps enable_seqscan off and its plans (a redefinition of claim_deliveries keeps both settings)', async () => {
    const rows = await q.config();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.config).toEqual(expect.arrayContaining(['enable_seqscan=off', 'plan_cache_mode=force_generic_plan']));
  });
});

describe('3,000 endpoints with a delivery or two each', () => {
  const q = queueShape(3_000, 2);

  it('a worker whose plans were made on empty statistics claims 64 deliveries from 64 lanes reading about as many lanes and endpoints', async () => {
    await q.planOnEmptyStatistics();
    await q.fill();
    expectReadByKey(await q.claimReads());
  });

  it('and so it does once the statistics are up to date', async () => {
    await q.analyze();
    expectReadByKey(await q.claimReads());
  });
});
