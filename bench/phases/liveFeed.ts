import type { DeviceView } from '../../src/core/registry/devices.js';
import { recordAttempts, type AttemptInsert } from '../../src/db/sql/recordAttempts.js';
import { monoMs, sleep, waitUntil } from '../lib/clock.js';
import type { BenchCore } from '../lib/fixture.js';
import type { GatewayProcess } from '../lib/gatewayProcess.js';
import { fmt, progress, ticker } from '../lib/progress.js';
import { percentiles, type Percentiles } from '../lib/stats.js';
import { startSubscribers, type SubscriberSpec } from '../lib/subscribers.js';

export interface LiveFeedResult {
  subscribers: number;
  attempts: number;
  /** Messages the subscribers should have got (each attempt × the subscribers its filter matches). */
  expectedMessages: number;
  messages: number;
  /** Attempt commit → message at the client. */
  lag: Percentiles;
  errors: number;
  cpuSeconds: number;
  peakRssMb: number;
}

interface Account {
  id: string;
  apiKey: string;
  devices: DeviceView[];
}

/** The subscribers' filters, in rotation: everything, failures only, one channel, one event. */
const FILTERS: Array<{ gql: Record<string, unknown> | null; matches: (a: AttemptInsert) => boolean }> = [
  { gql: null, matches: () => true },
  { gql: { statuses: ['FAILED'] }, matches: (a) => a.outcome === 'failed' },
  { gql: { channel: 'WHATSAPP' }, matches: (a) => a.channel === 'whatsapp' },
  { gql: { events: ['SUBMISSION'] }, matches: (a) => a.eventName === 'submission' },
];

/**
 * Live feed: `subscribers` graphql-ws clients (in their own process) subscribed to
 * `deliveryAttempts` on an api-only gateway process, spread over `accounts` accounts with
 * rotating filters. The bench records attempts with the worker's own statement
 * (recordAttempts: insert + NOTIFY in one statement) at `rate` per second, in small
 * batches as workers do, and takes the moment the statement returned as the commit time.
 */
export async function runLiveFeed(p: {
  bench: BenchCore;
  gateway: GatewayProcess;
  gatewayUrl: string;
  accounts: Account[];
  subscribers: number;
  rate: number;
  seconds: number;
}): Promise<LiveFeedResult> {
  // Subscriber i watches account i mod accounts, with the filters in rotation.
  const kinds = Array.from({ length: p.subscribers }, (_, i) => Math.floor(i / p.accounts.length) % FILTERS.length);
  const specs: SubscriberSpec[] = kinds.map((k, i) => ({ apiKey: p.accounts[i % p.accounts.length]!.apiKey, filter: FILTERS[k]!.gql }));
  const subs = await startSubscribers(`${p.gatewayUrl.replace(/^http/, 'ws')}/graphql`, specs);
  try {
    // Warm-up: attempts every filter matches, until every subscriber has had one, so that
    // every subscription is in place before anything is timed.
    await waitUntil(
      async () => {
        const s = await subs.status();
        if (s.errors) throw new Error(`subscribers failed: ${s.lastError}\nthe gateway said:\n${p.gateway.output().slice(-3000)}`);
        if (s.reached >= p.subscribers) return true;
        await write(p.accounts.map((a) => attempt(a, 0, 'failed', 'submission')));
        return false;
      },
      60_000,
      `${p.subscribers} subscriptions`,
      250,
    );
    await sleep(300);
    await subs.take();
    progress('feed', `${p.subscribers} subscribers ready on ${p.accounts.length} accounts`);

    const probe0 = await p.gateway.sample();
    const committed = new Map<string, { at: number; a: AttemptInsert; account: number }>();
    const stop = ticker('feed', 1000, () => `${fmt(committed.size)} attempts recorded at ${p.rate}/s`);
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((p.rate * tickMs) / 1000));
    const ticks = Math.round((p.seconds * 1000) / tickMs);
    const start = monoMs();
    const writes: Array<Promise<void>> = [];
    let n = 0;
    for (let t = 0; t < ticks; t++) {
      const batch = Array.from({ length: perTick }, () => {
        const account = n % p.accounts.length;
        const a = attempt(p.accounts[account]!, n % 3, n % 5 === 0 ? 'failed' : 'success', n % 2 ? 'submission' : 'incoming_message');
        n++;
        return { a, account };
      });
      writes.push(
        write(batch.map((b) => b.a)).then((ids) => {
          const at = monoMs();
          ids.forEach((id, i) => committed.set(id, { at, ...batch[i]! }));
        }),
      );
      await sleep(Math.max(0, start + (t + 1) * tickMs - monoMs()));
    }
    await Promise.all(writes);
    await sleep(1_000);
    stop();
    const probe1 = await p.gateway.sample();
    const got = await subs.take();
    const lags: number[] = [];
    for (let i = 0; i < got.ids.length; i++) {
      const c = committed.get(got.ids[i]!);
      if (c) lags.push(got.at[i]! - c.at);
    }
    let expectedMessages = 0;
    for (const c of committed.values()) {
      for (let s = 0; s < p.subscribers; s++) if (s % p.accounts.length === c.account && FILTERS[kinds[s]!]!.matches(c.a)) expectedMessages++;
    }
    const r: LiveFeedResult = {
      subscribers: p.subscribers,
      attempts: committed.size,
      expectedMessages,
      messages: lags.length,
      lag: percentiles(lags),
      errors: got.errors,
      cpuSeconds: probe1.cpuSeconds - probe0.cpuSeconds,
      peakRssMb: probe1.peakRssMb,
    };
    progress(
      'feed',
      `${fmt(r.messages)}/${fmt(r.expectedMessages)} messages · lag p50 ${r.lag.p50.toFixed(1)} ms, p95 ${r.lag.p95.toFixed(1)} ms, p99 ${r.lag.p99.toFixed(1)} ms · api process ${r.cpuSeconds.toFixed(1)} CPU s, peak RSS ${fmt(r.peakRssMb)} MB`,
    );
    return r;
  } finally {
    await subs.close();
  }

  async function write(attempts: AttemptInsert[]): Promise<string[]> {
    const r = await recordAttempts(p.bench.db.pool, null, attempts, []);
    return r.attemptIds;
  }
}

function attempt(a: Account, device: number, outcome: 'success' | 'failed', eventName: string): AttemptInsert {
  const d = a.devices[device % a.devices.length]!;
  return {
    accountId: a.id,
    deliveryId: null,
    eventId: null,
    endpointId: null,
    webhookName: 'Bench feed',
    deviceId: d.id,
    channel: d.channel,
    eventName,
    url: 'https://hooks.example.com/feed',
    test: false,
    startedAt: new Date(),
    durationMs: 3,
    httpCode: outcome === 'success' ? 200 : 503,
    outcome,
    errorCode: outcome === 'success' ? null : 'http_status',
    errorText: outcome === 'success' ? null : 'HTTP 503: only 200 or 201 count as success',
    responseBody: 'ok',
    attemptNumber: 1,
  };
}
