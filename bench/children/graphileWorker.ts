import { Logger, run, type Task } from 'graphile-worker';
import pg from 'pg';
import { attemptRecord } from '../../src/core/dispatch/attemptRecord.js';
import { buildRequest } from '../../src/core/dispatch/deliveryRequest.js';
import { createSender } from '../../src/core/dispatch/sender.js';
import { systemResolver } from '../../src/core/security/urlGuard.js';
import { recordAttempts, type AttemptInsert } from '../../src/db/sql/recordAttempts.js';

/**
 * The generic-queue baseline: a graphile-worker process doing the gateway's job for each of
 * its jobs (one per delivery): the same signed POST through the gateway's own sender (one
 * keep-alive undici Agent, 16 connections per origin), then the same attempt row through the
 * gateway's own statement (insert + NOTIFY), in batches as the gateway's recorder writes
 * them; the job completes once its attempt row is committed. Settings come from the
 * environment (bench/phases/graphile.ts states them).
 */
export interface GraphileJob {
  /** webhook-id of the POST. */
  id: string;
  url: string;
  signingKey: string;
  payloadJson: string;
  deviceToken: string;
  deviceId: string;
  accountId: string;
  endpointId: string;
  endpointName: string;
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const sender = createSender({ targets: { allowPrivate: true, resolve: systemResolver }, connectionsPerOrigin: 16, responseBodyLimit: 4096 });

/** Attempts waiting for the next insert, each with the job that waits for it. */
let waiting: Array<{ attempt: AttemptInsert; done: (e?: unknown) => void }> = [];
let flushing = false;
let timer: NodeJS.Timeout | null = null;
const RECORD_MIN = 64;
const RECORD_WAIT_MS = 5;

function schedule(): void {
  if (flushing) return;
  if (waiting.length >= RECORD_MIN) void flush();
  else timer ??= setTimeout(() => void flush(), RECORD_WAIT_MS);
}

async function flush(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  flushing = true;
  while (waiting.length) {
    const batch = waiting.splice(0, 500);
    try {
      await recordAttempts(pool, null, batch.map((b) => b.attempt), []);
      for (const b of batch) b.done();
    } catch (e) {
      for (const b of batch) b.done(e);
    }
    if (waiting.length < RECORD_MIN) break;
  }
  flushing = false;
  if (waiting.length) schedule();
}

const deliver: Task = async (payload) => {
  const job = payload as GraphileJob;
  const { body, headers } = buildRequest({
    payloadJson: job.payloadJson,
    eventName: 'submission',
    deviceToken: job.deviceToken,
    secret: null,
    signingKey: job.signingKey,
    previousSigningKey: null,
    customHeaders: [],
    messageId: job.id,
    sentAt: new Date(),
    test: false,
  });
  const r = await sender.post({ url: job.url, body, headers, timeoutMs: 30_000 });
  const attempt = attemptRecord(
    { accountId: job.accountId, deliveryId: null, eventId: null, endpointId: job.endpointId, webhookName: job.endpointName, deviceId: job.deviceId, channel: 'whatsapp', eventName: 'submission', url: job.url, test: false, attemptNumber: 1 },
    r,
  );
  await new Promise<void>((resolve, reject) => {
    waiting.push({ attempt, done: (e) => (e ? reject(e) : resolve()) });
    schedule();
  });
  if (!r.ok) throw new Error(`POST failed: ${r.errorText ?? r.httpCode}`);
};

// Errors only: a per-job info line (the default) is a cost no tuned deployment pays.
const logger = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`${message}\n`);
});

const runner = await run({
  noHandleSignals: true,
  logger,
  taskList: { deliver },
  preset: {
    worker: {
      connectionString: process.env.DATABASE_URL,
      concurrentJobs: env('GW_CONCURRENCY', 128),
      maxPoolSize: env('GW_POOL', 16),
      pollInterval: env('GW_POLL_MS', 1000),
      localQueue: { size: env('GW_LOCAL_QUEUE', 256) },
      completeJobBatchDelay: env('GW_COMPLETE_DELAY', 0),
      failJobBatchDelay: env('GW_COMPLETE_DELAY', 0),
    },
  },
});
process.stdout.write('graphile-worker started\n');

const stop = () => {
  void runner
    .stop()
    .then(() => sender.close())
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
