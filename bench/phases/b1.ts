import type pg from 'pg';
import { claimDeliveries } from '../../src/db/sql/claimDeliveries.js';
import { insertEvents } from '../../src/db/sql/insertEvent.js';
import { recordAttempts, type AttemptInsert, type DeliveryOutcome } from '../../src/db/sql/recordAttempts.js';
import { monoMs } from '../lib/clock.js';
import { benchCpuSeconds, machineBusySeconds } from '../lib/cpu.js';
import { deliveredSince, lastDeliveryId } from '../lib/exactlyOnce.js';
import { fmt, progress, ticker } from '../lib/progress.js';
import type { Fixture } from '../lib/fixture.js';

export interface B1Result {
  deliveries: number;
  seconds: number;
  perSecond: number;
  loops: number;
  /** CPU of the machine and of the bench process (the client side) per delivery, µs. */
  machineCpuUs: number;
  clientCpuUs: number;
}

/**
 * B1, the database limit: the gateway's own statements for each delivery, without HTTP.
 * `loops` independent loops (as the bulk publisher and workers would) each insert a batch
 * of events (one statement: the events and one delivery per endpoint, as publishMany
 * does), claim a batch as the worker does (SKIP LOCKED, lease, per-endpoint cap) and
 * record it as succeeded (one statement: completion, attempt rows, NOTIFY).
 */
export async function runB1(p: { pool: pg.Pool; fixture: Fixture; total: number; batch: number; perEndpoint: number; loops: number }): Promise<B1Result> {
  const f = p.fixture;
  const payloadJson = JSON.stringify({ event: 'submission', device: f.device.token, channel: 'whatsapp', ...f.data });
  const perEvent = f.endpointIds.length;
  let published = 0;
  let recorded = 0;
  const stop = ticker('B1', 1000, () => `${fmt(recorded)}/${fmt(p.total)} deliveries recorded`);
  const before = await lastDeliveryId(p.pool);
  const t0 = monoMs();
  const machine0 = machineBusySeconds();
  const client0 = benchCpuSeconds();

  async function loop(n: number): Promise<void> {
    const workerId = `bench-b1-${n}`;
    for (;;) {
      const events = Math.min(Math.ceil(p.batch / perEvent), Math.ceil((p.total - published) / perEvent));
      if (events > 0) {
        published += events * perEvent;
        await insertEvents(
          p.pool,
          Array.from({ length: events }, () => ({ accountId: f.accountId, deviceId: f.device.id, type: 'submission', payloadJson, eventNames: ['submission', 'submission.completed'], route: true, inboundHandler: f.device.inboundHandler })),
        );
      }
      const claimed = await claimDeliveries(p.pool, { workerId, limit: p.batch, leaseMs: 60_000, perEndpoint: p.perEndpoint, busyEndpoints: [], busyFree: [] });
      if (!claimed.length) {
        if (events <= 0) return;
        continue;
      }
      const startedAt = new Date();
      const attempts: AttemptInsert[] = claimed.map((c) => ({
        accountId: c.accountId,
        deliveryId: c.id,
        eventId: c.eventId,
        endpointId: c.endpointId,
        webhookName: c.endpointName,
        deviceId: c.deviceId,
        channel: c.channel,
        eventName: 'submission',
        url: c.url,
        test: false,
        startedAt,
        durationMs: 1,
        httpCode: 200,
        outcome: 'success',
        errorCode: null,
        errorText: null,
        responseBody: 'ok',
        attemptNumber: c.attempt,
      }));
      const outcomes: DeliveryOutcome[] = claimed.map((c) => ({ id: c.id, attempt: c.attempt, status: 'succeeded', delayMs: null, httpCode: 200, errorCode: null }));
      await recordAttempts(p.pool, workerId, attempts, outcomes);
      recorded += claimed.length;
    }
  }

  try {
    await Promise.all(Array.from({ length: p.loops }, (_, i) => loop(i)));
  } finally {
    stop();
  }
  const seconds = (monoMs() - t0) / 1000;
  const delivered = await deliveredSince(p.pool, before, f.endpointIds);
  if (delivered !== published) throw new Error(`B1: ${delivered} deliveries succeeded of ${published} published`);
  const r = {
    deliveries: recorded,
    seconds,
    perSecond: recorded / seconds,
    loops: p.loops,
    machineCpuUs: ((machineBusySeconds() - machine0) / recorded) * 1e6,
    clientCpuUs: ((benchCpuSeconds() - client0) / recorded) * 1e6,
  };
  progress(
    'B1',
    `${fmt(r.perSecond)} deliveries/s through the gateway's SQL (${fmt(recorded)} in ${seconds.toFixed(2)} s, ${p.loops} loops) · CPU µs per delivery: machine ${r.machineCpuUs.toFixed(0)}, client ${r.clientCpuUs.toFixed(0)}`,
  );
  return r;
}
