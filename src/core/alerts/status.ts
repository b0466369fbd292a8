import { attemptTotals, failingEndpoints } from '../../db/sql/statusReport.js';
import type { CoreContext } from '../context.js';
import { diagnose, type Diagnosis } from '../diagnose/diagnose.js';
import { summarizeWebhooks, type WebhookSummary } from '../registry/webhookList.js';
import type { Channel } from '../terms.js';

export interface FailingEndpoint {
  endpointId: string;
  webhookId: string;
  name: string;
  url: string;
  channel: Channel;
  /** Failed live attempts of the current episode (since the last success, within the period). */
  failures: number;
  /** The first failure of the episode. */
  failingSince: Date;
  lastFailureAt: Date;
  httpCode: number | null;
  errorCode: string | null;
  diagnosis: Diagnosis | null;
  /** Alerts of this endpoint are muted until then; null when not muted. */
  mutedUntil: Date | null;
}

export interface StatusReport {
  webhooks: WebhookSummary;
  /** The period the figures cover, ms. */
  periodMs: number;
  succeeded: number;
  failed: number;
  /** Endpoints whose newest live attempt in the period failed, newest first. */
  failing: FailingEndpoint[];
}

const DAY_MS = 86_400_000;
const FAILING_MAX = 20;

/** /status: the account's figures over the last 24 h and the endpoints failing right now. */
export async function statusReport(ctx: CoreContext, accountId: string): Promise<StatusReport> {
  const now = ctx.now();
  const since = new Date(now.getTime() - DAY_MS);
  const [webhooks, totals, failing] = await Promise.all([
    summarizeWebhooks(ctx, accountId),
    attemptTotals(ctx.db.pool, accountId, since),
    failingEndpoints(ctx.db.pool, accountId, since, FAILING_MAX),
  ]);
  return {
    webhooks,
    periodMs: DAY_MS,
    succeeded: totals.succeeded,
    failed: totals.failed,
    failing: failing.map((r) => ({
      endpointId: r.endpoint_id,
      webhookId: r.webhook_id,
      name: r.name,
      url: r.url,
      channel: r.channel as Channel,
      failures: r.failures,
      failingSince: r.failing_since,
      lastFailureAt: r.last_failure_at,
      httpCode: r.http_code,
      errorCode: r.error_code,
      diagnosis: diagnose({ httpCode: r.http_code, errorCode: r.error_code, test: false, hasSecret: true }, ctx.config.delivery),
      mutedUntil: r.muted_until && r.muted_until > now ? r.muted_until : null,
    })),
  };
}
