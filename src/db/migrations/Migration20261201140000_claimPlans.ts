import { Migration } from '@mikro-orm/migrations';

/**
 * The claim is planned for the queue as it is at each call. PL/pgSQL keeps a plan per
 * statement and per connection, and after five calls settles on a generic one costed with
 * the statistics of that moment. A worker that starts on an empty queue (the usual start,
 * and the queue empties again whenever it keeps up) froze plans costed for empty tables: the
 * last step joined 100 claimed rows to the events with a scan of every event per row
 * (measured: 2.2 s per claim at 10,000 events, nine tenths of PostgreSQL's time, publishers
 * waiting on the lanes it held). Planning the claim's five statements anew costs well under a
 * millisecond; a plan for the wrong table size costs seconds. A later definition of the
 * function must keep this setting (test/delivery.claimPlans.test.ts checks it).
 */
export class Migration20261201140000_claimPlans extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]) set plan_cache_mode = force_custom_plan;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]) reset plan_cache_mode;`);
  }
}
