import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/db.js';

/**
 * The claim runs as a PL/pgSQL function, whose statements would otherwise settle on plans
 * costed when the worker started, usually on an empty queue; the queue then grows to
 * millions of rows or empties again within minutes (see Migration20261201140000_claimPlans).
 */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client(db.url);
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

describe('the claim is planned for the queue as it is', () => {
  it('every call plans the claim anew (a redefinition of claim_deliveries keeps plan_cache_mode)', async () => {
    const { rows } = await client.query<{ config: string[] | null }>(
      `select proconfig as config from pg_proc where proname = 'claim_deliveries'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.config).toContain('plan_cache_mode=force_custom_plan');
  });

  it('the claim reads by key, never a whole table (a redefinition of claim_deliveries keeps enable_seqscan off)', async () => {
    const { rows } = await client.query<{ config: string[] | null }>(
      `select proconfig as config from pg_proc where proname = 'claim_deliveries'`,
    );
    expect(rows[0]!.config).toContain('enable_seqscan=off');
  });
});
