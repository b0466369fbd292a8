import { Migration } from '@mikro-orm/migrations';

/**
 * The claim reads every row by key, whatever the size of the tables. Its statements look up
 * the lanes, endpoints, devices, events and deliveries a claim took (a hundred at most), but
 * the planner, costing an index probe at four pages, preferred reading the whole table once
 * beyond a few dozen keys: `endpoint` in steps 2 and 5 and `endpoint_queue` in step 4 (every
 * endpoint of every account, and every dead lane version), and `delivery` for the lease (the
 * whole queue). So the claim grew with the endpoints that exist, not those it served
 * (measured, 64 deliveries from 64 lanes a claim, one process: 1,000 endpoints 9–12 ms,
 * 10,000 endpoints 13–20 ms; with this setting 8.5–8.7 ms at 10,000). Every table the claim
 * reads has the index it needs; should one ever lack it, the planner still scans (a disabled
 * path is only costed higher, never refused). A later definition of the function must keep
 * this setting (test/delivery.claimPlans.test.ts checks it).
 */
export class Migration20261201235000_claimByKey extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]) set enable_seqscan = off;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter function claim_deliveries(text, int, int, int, uuid[], int[], uuid[]) reset enable_seqscan;`);
  }
}
