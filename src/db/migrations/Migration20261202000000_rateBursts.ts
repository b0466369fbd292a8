import { Migration } from '@mikro-orm/migrations';
import { rewriteClaim } from './rewriteClaim.js';

/** Step 4 of the claim: how long a rate-limited lane is held after a claim took `r.got` from it. */
export const ONE_SLOT = `(r.got - greatest(1, r.rate / 10) + 1) * interval '1 second' / r.rate`;
export const WHOLE_BURST = `r.got * interval '1 second' / r.rate`;

/**
 * A rate-limited lane is held until its whole burst (rate/10) may go again, not until one more
 * delivery may: measured (50/s across 2 workers, the machine to itself), a lane released a
 * slot at a time was claimed one delivery per claim, and a claim, its POST and the wake-up take
 * far longer than the 20 ms a slot lasts, so the endpoint got 6–16 deliveries a second. Held for
 * the burst, each claim takes up to rate/10 deliveries at once. The limit itself is unchanged
 * (never more than rate + rate/10 in any second; a burst of 1, below 20/s, is as before).
 *
 * The function is rewritten from its own definition (`pg_get_functiondef`, which keeps its
 * settings: `plan_cache_mode`, `enable_seqscan`), so this changes that one expression only, and
 * fails if the expression is not there.
 */
export class Migration20261202000000_rateBursts extends Migration {
  override async up(): Promise<void> {
    this.addSql(rewriteClaim(ONE_SLOT, WHOLE_BURST, 'expression'));
  }

  override async down(): Promise<void> {
    this.addSql(rewriteClaim(WHOLE_BURST, ONE_SLOT, 'expression'));
  }
}
