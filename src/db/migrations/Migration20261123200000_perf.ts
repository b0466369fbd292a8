import { Migration } from '@mikro-orm/migrations';

/**
 * What the delivery benchmark (bench/, `npm run bench`) showed was missing:
 *
 * - `delivery_endpoint_due_idx`: the claim takes each endpoint's oldest due deliveries up
 *   to its free slots (a LATERAL probe per endpoint), so that a long backlog of one endpoint
 *   at the front of the queue can no longer hide every other endpoint's work.
 * - `endpoint.paused_until`: the circuit breaker. After repeated failures a worker pauses
 *   the endpoint; its waiting deliveries are parked until the end of the pause and new ones
 *   are queued for then, so a dead endpoint costs neither CPU nor a place at the front of
 *   the queue.
 * - The attempt log is written once per POST and carried nine indexes. Two of them cost
 *   every insert for little: `attempt_delivery_idx` (no query reads attempts by delivery)
 *   and the B-tree on started_at, which only retention uses (a BRIN index serves its range
 *   delete at a fraction of the upkeep: the log is appended in time order). The outcome
 *   index becomes one on failures only (the only status rare enough to need it), and the
 *   test filter gets a small partial index of its own (tests are rare among live attempts,
 *   so "tests only" would otherwise walk the whole account).
 */
export class Migration20261123200000_perf extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table endpoint add column paused_until timestamptz;
      create index delivery_endpoint_due_idx on delivery (endpoint_id, run_at) where status = 'pending';

      drop index attempt_delivery_idx;
      drop index attempt_started_idx;
      create index attempt_started_brin on attempt using brin (started_at);
      drop index attempt_outcome_idx;
      create index attempt_failed_idx on attempt (account_id, started_at desc, id desc) where outcome = 'failed';
      create index attempt_test_idx on attempt (account_id, started_at desc, id desc) where test;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists attempt_test_idx;
      drop index if exists attempt_failed_idx;
      create index attempt_outcome_idx on attempt (account_id, outcome, started_at desc, id desc);
      drop index if exists attempt_started_brin;
      create index attempt_started_idx on attempt (started_at);
      create index attempt_delivery_idx on attempt (delivery_id) where delivery_id is not null;
      drop index if exists delivery_endpoint_due_idx;
      alter table endpoint drop column if exists paused_until;
    `);
  }
}
