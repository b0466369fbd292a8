import { Migration } from '@mikro-orm/migrations';
import { rewriteClaim } from './rewriteClaim.js';

/** Step 2 of the claim, the circuit breaker's probe: which waiting delivery of a paused endpoint it may take. */
export const ANY_WAITING = `d.status = 'pending' and (d.leased_by is null or d.run_at <= now())`;
export const DUE = `d.status = 'pending' and d.run_at <= now()`;

/**
 * A breaker's probe takes only a delivery that is due (never sent, a retry whose time came, or
 * a lease that ran out), no longer the oldest waiting one whatever its time: a retry scheduled
 * 5 minutes out went as the next probe, a second or two later, so a failing endpoint's retries
 * came far sooner than RETRY_SCHEDULE says. With nothing due the probe finds nothing and the
 * breaker looks again after its pause (breaker.ts `probeMissed`), which is what a due retry
 * then waits for at most.
 *
 * Rewritten from the function's own definition (`pg_get_functiondef`, keeping its settings),
 * as Migration20261202000000_rateBursts does: only this condition of the `probed` step changes,
 * and the migration fails if the condition is not there.
 */
export class Migration20261202110000_probeDueOnly extends Migration {
  override async up(): Promise<void> {
    this.addSql(rewriteClaim(ANY_WAITING, DUE, 'condition'));
  }

  override async down(): Promise<void> {
    this.addSql(rewriteClaim(DUE, ANY_WAITING, 'condition'));
  }
}
