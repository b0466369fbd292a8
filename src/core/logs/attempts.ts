import { attemptsByIds, queryAttempts, type AttemptRow } from '../../db/sql/attempts.js';
import type { CoreContext } from '../context.js';
import { CoreError, notFound } from '../errors.js';
import { diagnose, type Diagnosis, type DiagnosisSettings } from '../diagnose/diagnose.js';
import { decodeCursor, pageSize, toPage, type Page } from '../pagination.js';
import type { AttemptOutcome, Channel, SubscribedEvent } from '../terms.js';
import { getWebhookEndpoints } from '../registry/webhooks.js';
import { normalizeFilter, type AttemptFilter } from './filter.js';
import { catalogue } from '../catalogue/index.js';

/** One log row: one POST to one endpoint (live or test). */
export interface AttemptView {
  id: string;
  deliveryId: string | null;
  endpointId: string | null;
  webhookName: string;
  deviceId: string | null;
  /** Null when the device was deleted since. */
  device: { name: string; identifier: string; token: string } | null;
  channel: Channel;
  eventName: SubscribedEvent;
  url: string;
  test: boolean;
  startedAt: Date;
  durationMs: number;
  /** Null when no response came. */
  httpCode: number | null;
  outcome: AttemptOutcome;
  errorCode: string | null;
  errorText: string | null;
  responseBody: string | null;
  attemptNumber: number;
  diagnosis: Diagnosis | null;
}

export function attemptView(r: AttemptRow, settings: DiagnosisSettings): AttemptView {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    endpointId: r.endpoint_id,
    webhookName: r.webhook_name,
    deviceId: r.device_id,
    device: r.device_name === null ? null : { name: r.device_name, identifier: r.device_identifier ?? '', token: r.device_token ?? '' },
    channel: r.channel as Channel,
    eventName: r.event_name as SubscribedEvent,
    url: r.url,
    test: r.test,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    httpCode: r.http_code,
    outcome: r.outcome,
    errorCode: r.error_code,
    errorText: r.error_text,
    responseBody: r.response_body,
    attemptNumber: r.attempt_number,
    // hasSecret is unknown from the log row; the wording covers both cases.
    diagnosis: r.outcome === 'failed' ? diagnose({ httpCode: r.http_code, errorCode: r.error_code, test: r.test, hasSecret: true }, settings) : null,
  };
}

/** An attempt's key time as the log's cursors hold it (UTC, microseconds): `started_key` of AttemptRow. */
const ATTEMPT_KEY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

/** An attempt id as PostgreSQL's bigint holds it (0 to 2^63 − 1). */
const isAttemptId = (s: string): boolean => /^\d{1,19}$/.test(s) && BigInt(s) <= 9223372036854775807n;

/** Webhooks → Logs: newest first; a cursor only continues the filter it was made with. */
export async function listAttempts(
  ctx: CoreContext,
  accountId: string,
  opts: { filter?: AttemptFilter | null; first?: number | null; after?: string | null } = {},
): Promise<Page<AttemptView>> {
  const f = normalizeFilter(opts.filter);
  const limit = pageSize(opts.first);
  const after = decodeCursor(opts.after, f, 2) as [string, string] | null;
  // The key goes to the statement as a time and an id: one made by hand is refused here, not by the database.
  if (after && !(ATTEMPT_KEY_TIME.test(String(after[0])) && isAttemptId(String(after[1])))) {
    throw new CoreError('BAD_CURSOR', 'after: not a cursor of this list; start again from the first page', 'after');
  }
  // Only channels the log offers but no device has (LOG_ONLY_CHANNELS): nothing to look up.
  if (f.channels?.every((c) => !catalogue.isChannel(c))) return { items: [], cursors: [], endCursor: null, hasNextPage: false };
  const rows = await queryAttempts(ctx.db.pool, {
    ...f,
    accountId,
    devicePattern: f.deviceSearch === null ? null : `${f.deviceSearch.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    eventNames: f.events,
    outcomes: f.statuses,
    after,
    limit: limit + 1,
  });
  const page = toPage(rows, limit, (r) => [r.started_key, r.id], f);
  return { ...page, items: page.items.map((r) => attemptView(r, ctx.config.delivery)) };
}

/** A webhook's log (every endpoint of it, one query), with any other filter. */
export async function webhookAttempts(
  ctx: CoreContext,
  accountId: string,
  webhookId: string,
  opts: { filter?: Omit<AttemptFilter, 'endpointId' | 'endpointIds'> | null; first?: number | null; after?: string | null } = {},
): Promise<Page<AttemptView>> {
  const endpoints = await getWebhookEndpoints(ctx, accountId, webhookId);
  return listAttempts(ctx, accountId, { ...opts, filter: { ...opts.filter, endpointIds: endpoints.map((e) => e.id) } });
}

/** The detail of one attempt (Webhook delivery panel), with its diagnosis. */
export async function getAttempt(ctx: CoreContext, accountId: string, attemptId: string): Promise<AttemptView> {
  if (!/^\d{1,18}$/.test(attemptId)) throw notFound('attempt', 'id');
  const [row] = await attemptsByIds(ctx.db.pool, [attemptId], [accountId]);
  if (!row) throw notFound('attempt', 'id');
  return attemptView(row, ctx.config.delivery);
}
