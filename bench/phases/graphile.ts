import { makeWorkerUtils } from 'graphile-worker';
import { randomUUID } from 'node:crypto';
import type { GraphileJob } from '../children/graphileWorker.js';
import { monoMs, sleep, waitUntil } from '../lib/clock.js';
import { cpuSample, cpuSplit, type CpuSplit } from '../lib/cpu.js';
import type { GatewayProcess } from '../lib/gatewayProcess.js';
import { fmt, progress, ticker } from '../lib/progress.js';
import type { ReceiverHandle } from '../lib/receiver.js';
import { medianBy } from '../lib/stats.js';
import { walBytesSince, walPosition } from '../lib/wal.js';

/** graphile-worker's settings in this baseline, as passed to its process (children/graphileWorker.ts). */
export const GRAPHILE_SETTINGS = {
  /** Jobs in flight: the gateway's WORKER_CONCURRENCY. */
  GW_CONCURRENCY: '128',
  /** Jobs fetched (and locked) per query: batching, the largest single lever in its performance guide. */
  GW_LOCAL_QUEUE: '256',
  /** Completions (and failures) batched per statement; 0 = whatever finished in the same tick. */
  GW_COMPLETE_DELAY: '0',
  GW_POOL: '16',
  GW_POLL_MS: '1000',
};

export interface GraphileResult {
  version: string;
  settings: Record<string, string>;
  runs: Array<{ perSecond: number; cpu: CpuSplit; walBytes: number; deliveries: number; seconds: number; exactlyOnce: boolean }>;
  /** The median run. */
  perSecond: number;
  cpu: CpuSplit;
  /** WAL bytes of the median run. */
  walBytes: number;
  deliveries: number;
  exactlyOnce: boolean;
  /** Its runs alternated with the gateway's clean throughput runs (run i after the gateway's run i). */
  interleaved?: boolean;
}

/**
 * One baseline run: `jobs` graphile-worker jobs (one per delivery, each naming one of the
 * `urls` in turn) added in bulk (addJobs, `batch` a call, `concurrency` calls in flight, as
 * the gateway's publisher does), run by the process `worker`; deliveries/s from the first
 * addJobs to the last receipt, every webhook-id once at the receiver.
 */
export async function runGraphileOnce(p: {
  url: string;
  worker: GatewayProcess;
  receiver: ReceiverHandle;
  urls: string[];
  jobs: number;
  batch: number;
  concurrency: number;
  payloadJson: string;
  postgresPid: number | null;
  signingKey: string;
}): Promise<GraphileResult['runs'][number]> {
  const utils = await makeWorkerUtils({ connectionString: p.url });
  const accountId = randomUUID();
  const endpointIds = p.urls.map(() => randomUUID());
  const deviceId = randomUUID();
  const tag = randomUUID().slice(0, 8);
  await p.receiver.take();
  const probe0 = await p.worker.sample();
  const cpu0 = cpuSample({ gateway: probe0.cpuSeconds, receiver: (await p.receiver.count()).cpuSeconds, postgresPid: p.postgresPid });
  const wal0 = await utils.withPgClient((c) => walPosition(c));
  let added = 0;
  const stop = ticker('graphile', 1000, async () => `added ${fmt(added)}/${fmt(p.jobs)} jobs · received ${fmt((await p.receiver.count()).total)}`);
  const t0 = monoMs();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: p.concurrency }, async () => {
        while (next < p.jobs) {
          const from = next;
          const n = Math.min(p.batch, p.jobs - next);
          next += n;
          await utils.addJobs(
            Array.from({ length: n }, (_, k) => {
              const i = from + k;
              const job: GraphileJob = {
                id: `msg_g${tag}_${i}`,
                url: `${p.urls[i % p.urls.length]}/hook`,
                signingKey: p.signingKey,
                payloadJson: p.payloadJson,
                deviceToken: 'dev_bench',
                deviceId,
                accountId,
                endpointId: endpointIds[i % p.urls.length]!,
                endpointName: `graphile-${i % p.urls.length}`,
              };
              return { identifier: 'deliver', payload: job };
            }),
          );
          added += n;
        }
      }),
    );
    await waitUntil(async () => (await p.receiver.count()).total >= p.jobs, 120_000 + p.jobs, `${fmt(p.jobs)} graphile-worker deliveries`, 10);
    // Done means every attempt row committed, as for the gateway.
    await waitUntil(async () => {
      const { rows } = await utils.withPgClient((c) => c.query<{ n: number }>(`select count(*)::int as n from attempt where account_id = $1`, [accountId]));
      return (rows[0]?.n ?? 0) >= p.jobs;
    }, 30_000, 'every attempt row', 20);
    const walBytes = await utils.withPgClient((c) => walBytesSince(c, wal0));
    const probe1 = await p.worker.sample();
    const cpu = cpuSplit(cpu0, cpuSample({ gateway: probe1.cpuSeconds, receiver: (await p.receiver.count()).cpuSeconds, postgresPid: p.postgresPid }));
    stop();
    await sleep(300);
    const got = await p.receiver.take();
    let last = t0;
    for (const at of got.at) last = Math.max(last, at);
    const distinct = new Set(got.ids);
    const exactlyOnce = distinct.size === p.jobs && got.ids.length === p.jobs && [...distinct].every((id) => id.startsWith(`msg_g${tag}_`));
    const seconds = (last - t0) / 1000;
    const r = { perSecond: distinct.size / seconds, cpu, walBytes, deliveries: distinct.size, seconds, exactlyOnce };
    const us = (v: number) => ((v / Math.max(1, distinct.size)) * 1e6).toFixed(0);
    progress(
      'graphile',
      `${fmt(r.perSecond)} deliveries/s (${fmt(distinct.size)} in ${seconds.toFixed(2)} s) · CPU µs per delivery: graphile-worker ${us(cpu.gateway)}, PostgreSQL ${us(cpu.postgres)}, receiver ${us(cpu.receiver)}, enqueuer ${us(cpu.bench)}, other ${us(cpu.other)} · WAL ${(walBytes / Math.max(1, distinct.size)).toFixed(0)} bytes per delivery` +
        (exactlyOnce ? ' · exactly once' : ` · VOID: ${got.ids.length} POSTs, ${distinct.size} distinct of ${p.jobs}`),
    );
    return r;
  } finally {
    stop();
    await utils.release();
  }
}

/** The median run of several (other load on a shared machine only ever slows a run down). */
export function summarize(version: string, runs: GraphileResult['runs']): GraphileResult {
  const median = medianBy(runs, (r) => r.perSecond);
  return { version, settings: GRAPHILE_SETTINGS, runs, perSecond: median.perSecond, cpu: median.cpu, walBytes: median.walBytes, deliveries: median.deliveries, exactlyOnce: runs.every((r) => r.exactlyOnce) };
}
