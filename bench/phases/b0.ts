import { Agent, request } from 'undici';
import { buildRequest } from '../../src/core/dispatch/deliveryRequest.js';
import { monoMs } from '../lib/clock.js';
import { benchCpuSeconds, machineBusySeconds } from '../lib/cpu.js';
import { fmt, progress, ticker } from '../lib/progress.js';
import type { ReceiverHandle } from '../lib/receiver.js';

export interface B0Result {
  deliveries: number;
  seconds: number;
  perSecond: number;
  concurrency: number;
  /** CPU per POST, µs: the whole machine, the client (this process) and the receiver. */
  machineCpuUs: number;
  clientCpuUs: number;
  receiverCpuUs: number;
  /** The rest of the machine meanwhile (other load: the lower, the cleaner the baseline). */
  otherCpuUs: number;
}

/** The key B0 and the graphile-worker baseline sign with. */
export const B0_SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * B0, the physical limit: the same POSTs the gateway makes (same body and headers, a fresh
 * webhook-id each) to the same receiver routes, with the same concurrency (the worker's
 * slots, at most `perEndpoint` per origin on a keep-alive Agent), and nothing else: no
 * database, no signing per request.
 */
export async function runB0(p: {
  receiver: ReceiverHandle;
  routes: number;
  total: number;
  concurrency: number;
  perEndpoint: number;
  payloadJson: string;
}): Promise<B0Result> {
  const agent = new Agent({ connections: p.perEndpoint, pipelining: 1, keepAliveTimeout: 30_000 });
  const template = buildRequest({
    payloadJson: p.payloadJson,
    eventName: 'submission',
    deviceToken: 'dev_bench',
    secret: null,
    signingKey: B0_SIGNING_KEY,
    previousSigningKey: null,
    customHeaders: [],
    messageId: 'msg_0',
    sentAt: new Date(),
    test: false,
  });
  const urls = p.receiver.urls.slice(0, p.routes).map((u) => new URL(`${u}/hook`));
  const concurrency = Math.min(p.concurrency, p.routes * p.perEndpoint);
  let next = 0;
  let done = 0;
  let failed = 0;
  const stop = ticker('B0', 1000, () => `${fmt(done)}/${fmt(p.total)} POSTs`);
  const cpu0 = { machine: machineBusySeconds(), client: benchCpuSeconds(), receiver: (await p.receiver.count()).cpuSeconds };
  const t0 = monoMs();
  async function loop(): Promise<void> {
    while (next < p.total) {
      const i = next++;
      const res = await request(urls[i % urls.length]!, {
        method: 'POST',
        dispatcher: agent,
        headers: { ...template.headers, 'webhook-id': `msg_b0_${i}` },
        body: template.body,
      });
      await res.body.text();
      if (res.statusCode !== 200) failed++;
      done++;
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    stop();
    await agent.close();
  }
  const seconds = (monoMs() - t0) / 1000;
  const us = (v: number) => (v / p.total) * 1e6;
  const cpu = {
    machineCpuUs: us(machineBusySeconds() - cpu0.machine),
    clientCpuUs: us(benchCpuSeconds() - cpu0.client),
    receiverCpuUs: us((await p.receiver.count()).cpuSeconds - cpu0.receiver),
    otherCpuUs: 0,
  };
  cpu.otherCpuUs = Math.max(0, cpu.machineCpuUs - cpu.clientCpuUs - cpu.receiverCpuUs);
  if (failed) throw new Error(`B0: ${failed} POSTs were not answered 200`);
  const got = await p.receiver.take();
  if (new Set(got.ids).size !== p.total) throw new Error(`B0: the receiver counted ${got.ids.length} POSTs, ${new Set(got.ids).size} distinct, of ${p.total}`);
  const r = { deliveries: p.total, seconds, perSecond: p.total / seconds, concurrency, ...cpu };
  progress(
    'B0',
    `${fmt(r.perSecond)} POSTs/s (${fmt(p.total)} in ${seconds.toFixed(2)} s, ${concurrency} in flight) · CPU µs per POST: machine ${cpu.machineCpuUs.toFixed(0)} = client ${cpu.clientCpuUs.toFixed(0)} + receiver ${cpu.receiverCpuUs.toFixed(0)} + other ${cpu.otherCpuUs.toFixed(0)}`,
  );
  return r;
}
