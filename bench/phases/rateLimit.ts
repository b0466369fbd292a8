import type { BenchCore, Fixture } from '../lib/fixture.js';
import type { GatewayProcess } from '../lib/gatewayProcess.js';
import type { ReceiverHandle } from '../lib/receiver.js';
import { row, type Row } from '../lib/report.js';

export interface RateLimitResult {
  limit: number;
  workers: number;
  events: number;
  /** Deliveries the limited endpoint received in each whole second after its first one. */
  perSecond: number[];
  /** Most deliveries the limited endpoint received in any one-second window (sliding). */
  maxInAnySecond: number;
  /** Whole seconds within ± 10 % of the limit, of those counted. */
  secondsWithinTolerance: number;
  /** The unlimited endpoint meanwhile: deliveries per second over its own run. */
  unlimitedPerSecond: number;
  /** Both endpoints got every event exactly once. */
  complete: boolean;
}

/**
 * One endpoint limited to `limit` deliveries/s and one without a limit share `workers` gateway
 * processes: `events` events go to both at once. The limited endpoint's arrivals are counted
 * per second on the receiver (the measure: ≤ limit ± 10 % in every second); the other
 * must not wait behind it.
 */
export async function runRateLimit(p: {
  bench: BenchCore;
  fixture: Fixture;
  receiver: ReceiverHandle;
  gateways: GatewayProcess[];
  limit: number;
  events: number;
  publishBatch: number;
}): Promise<RateLimitResult> {
  const [limitedId] = p.fixture.endpointIds;
  await p.bench.core.webhooks.setRateLimit(p.fixture.accountId, limitedId!, p.limit);
  await p.receiver.take();
  const event = { deviceToken: p.fixture.device.token, event: 'submission' as const, data: p.fixture.data };
  for (let sent = 0; sent < p.events; sent += p.publishBatch) {
    await p.bench.core.dispatch.publishMany(p.fixture.accountId, Array.from({ length: Math.min(p.publishBatch, p.events - sent) }, () => event));
  }
  // Until both endpoints have everything (the limited one needs events / limit seconds).
  const deadline = Date.now() + ((p.events / p.limit) * 3 + 60) * 1000;
  for (;;) {
    const c = await p.receiver.count();
    if ((c.perRoute[0] ?? 0) >= p.events && (c.perRoute[1] ?? 0) >= p.events) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const got = await p.receiver.take();
  const arrivals = (route: number) => [...got.at].filter((_, i) => got.route[i] === route).sort((a, b) => a - b);
  const limited = arrivals(0);
  const unlimited = arrivals(1);
  const ids = (route: number) => new Set(got.ids.filter((_, i) => got.route[i] === route)).size;
  const first = limited[0] ?? 0;
  const perSecond: number[] = [];
  for (const t of limited) {
    const s = Math.floor((t - first) / 1000);
    perSecond[s] = (perSecond[s] ?? 0) + 1;
  }
  // The last second is partial (the backlog ran out in it): not counted.
  const whole = perSecond.slice(0, -1).map((n) => n ?? 0);
  let maxInAnySecond = 0;
  for (let i = 0, j = 0; i < limited.length; i++) {
    while (limited[i]! - limited[j]! >= 1000) j++;
    maxInAnySecond = Math.max(maxInAnySecond, i - j + 1);
  }
  const span = unlimited.length > 1 ? (unlimited[unlimited.length - 1]! - unlimited[0]!) / 1000 : 0;
  return {
    limit: p.limit,
    workers: p.gateways.length,
    events: p.events,
    perSecond: whole,
    maxInAnySecond,
    secondsWithinTolerance: whole.filter((n) => Math.abs(n - p.limit) <= p.limit * 0.1).length,
    unlimitedPerSecond: span > 0 ? Math.round(unlimited.length / span) : 0,
    complete: limited.length === p.events && unlimited.length === p.events && ids(0) === p.events && ids(1) === p.events,
  };
}

export function rateLimitRows(r: RateLimitResult, cleanPerEndpoint: number | null): Row[] {
  const seconds = r.perSecond.length;
  const within = (n: number) => n <= r.limit * 1.1;
  return [
    row(`rate limit ${r.limit}/s, ${r.workers} worker processes: deliveries in each whole second`, r.perSecond.join(' '), `${r.limit}/s`, '', `≤ ${Math.round(r.limit * 1.1)} every second`, r.complete && r.perSecond.every(within)),
    row('rate limit: seconds within ± 10 % of the limit', `${r.secondsWithinTolerance} of ${seconds}`, '', '', '', null),
    row('rate limit: most in any sliding one-second window', String(r.maxInAnySecond), `${r.limit}`, (r.maxInAnySecond / r.limit).toFixed(2), `≤ ${Math.round(r.limit * 1.1)}`, within(r.maxInAnySecond)),
    row(
      'rate limit: the unlimited endpoint meanwhile, deliveries/s',
      String(r.unlimitedPerSecond),
      cleanPerEndpoint === null ? '' : `${Math.round(cleanPerEndpoint)} (clean phase, per endpoint)`,
      cleanPerEndpoint ? (r.unlimitedPerSecond / cleanPerEndpoint).toFixed(2) : '',
      `> ${r.limit}`,
      r.unlimitedPerSecond > r.limit,
    ),
    row('rate limit: every event delivered once to both endpoints', r.complete ? 'yes' : 'NO', '', '', 'yes', r.complete),
  ];
}
