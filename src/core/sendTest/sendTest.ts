import { randomUUID } from 'node:crypto';
import { Endpoint } from '../../db/entities/index.js';
import { withAttemptPartitions } from '../../db/sql/attemptPartitions.js';
import { recordAttempts, type AttemptInsert } from '../../db/sql/recordAttempts.js';
import { inTransaction, type Transaction } from '../../db/transaction.js';
import type { CoreContext } from '../context.js';
import type { AttemptErrorCode } from '../dispatch/attemptError.js';
import { attemptRecord } from '../dispatch/attemptRecord.js';
import { buildRequest } from '../dispatch/deliveryRequest.js';
import { diagnose, type Diagnosis } from '../diagnose/diagnose.js';
import { previousKeyInUse } from '../registry/endpointSettings.js';
import { announce } from '../registry/webhooks.js';
import { withoutEcho } from '../security/secrets.js';
import { resolveTarget, samplePayloadJson } from './targets.js';

/** The result card of Webhooks → Test. */
export interface TestResult {
  success: boolean;
  /** Null when no response came. */
  httpStatus: number | null;
  durationMs: number;
  responseBody: string | null;
  errorCode: AttemptErrorCode | null;
  errorText: string | null;
  diagnosis: Diagnosis | null;
  attemptId: string;
  /** Endpoints this success moved from Pending test to Active (the whole batch). */
  activatedEndpointIds: string[];
}

/**
 * Send test: POSTs the target's sample payload (`"production": false`, test user agent,
 * test timeout), logs it as an attempt, and on 200/201 activates every Pending test endpoint
 * of the target endpoint's batch in one transaction.
 */
export async function sendTest(ctx: CoreContext, accountId: string, targetIdValue: string): Promise<TestResult> {
  const { target, endpoint, device } = await resolveTarget(ctx, accountId, targetIdValue);
  const sentAt = ctx.now();
  const { body, headers } = buildRequest({
    payloadJson: samplePayloadJson(device, target.event),
    eventName: target.event,
    deviceToken: device.token,
    secret: endpoint.secret ?? null,
    signingKey: endpoint.signingKey,
    previousSigningKey: previousKeyInUse(endpoint, sentAt),
    customHeaders: endpoint.customHeaders,
    messageId: `msg_test_${randomUUID().replaceAll('-', '')}`,
    sentAt,
    test: true,
  });
  const r = withoutEcho(await ctx.sender.post({ url: endpoint.url, body, headers, timeoutMs: ctx.config.delivery.testTimeoutMs }), { secret: endpoint.secret ?? null, customHeaders: endpoint.customHeaders });
  const attempt: AttemptInsert = attemptRecord(
    {
      accountId,
      deliveryId: null,
      eventId: null,
      endpointId: endpoint.id,
      webhookName: endpoint.name,
      deviceId: device.id,
      channel: device.channel,
      eventName: target.event,
      url: endpoint.url,
      test: true,
      attemptNumber: 1,
    },
    r,
  );
  // The attempt, the batch's activation and its announcement commit together: a test the log
  // shows as a success has activated its batch, and live subscribers hear of it only then.
  const record = () =>
    inTransaction(ctx.db, async (tx) => {
      const { attemptIds } = await recordAttempts(tx.sql, null, [attempt], []);
      const activated = r.ok ? await activateBatch(ctx, tx, accountId, endpoint.batchId) : [];
      return { attemptId: attemptIds[0]!, activatedEndpointIds: activated };
    });
  const { attemptId, activatedEndpointIds } = await withAttemptPartitions(ctx.db.pool, [attempt.startedAt], record);
  ctx.events.emit('test:sent', { attempt: { ...attempt, id: attemptId }, activatedEndpointIds });
  return {
    success: r.ok,
    httpStatus: r.httpCode,
    durationMs: r.durationMs,
    responseBody: r.responseBody,
    errorCode: r.errorCode,
    errorText: r.errorText,
    diagnosis: r.ok ? null : diagnose({ httpCode: r.httpCode, errorCode: r.errorCode, test: true, hasSecret: !!endpoint.secret }, ctx.config.delivery),
    attemptId,
    activatedEndpointIds,
  };
}

/** One successful test activates every endpoint saved in the same batch. */
async function activateBatch(ctx: CoreContext, tx: Transaction, accountId: string, batchId: string): Promise<string[]> {
  const pending = await tx.em.find(Endpoint, { account: accountId, batchId, status: 'pending_test' });
  const at = ctx.now();
  for (const e of pending) Object.assign(e, { status: 'active', activatedAt: at });
  await tx.em.flush();
  await announce(tx.sql, accountId, pending);
  return pending.map((e) => e.id);
}
