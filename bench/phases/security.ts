import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createVault, newKey, OPEN_CACHE_MAX, parseKey, SEALED } from '../../src/core/security/vault.js';
import { monoMs } from '../lib/clock.js';
import type { BenchCore, Fixture } from '../lib/fixture.js';
import { percentiles, round, type Percentiles } from '../lib/stats.js';

/**
 * What issue 11's defences cost:
 * - secrets at rest: opening a sealed value (AES-256-GCM) on the delivery path, the first
 *   time and from the vault's cache, against what the gateway spends per delivery;
 * - revocation: from `revokeApiKey` to the close (4403) of a subscription held by another
 *   gateway process (the NOTIFY path);
 * - idempotent publishing: publishes with a key, and their replays, against publishes without.
 */
export interface SecurityResult {
  /** µs per value. */
  seal: { sealUs: number; openUncachedUs: number; openCachedUs: number; values: number };
  /** ms from the revokeApiKey call (and from its return) to the socket's close, other process. */
  revocation: { fromCall: Percentiles; fromReturn: Percentiles; codes: number[] };
  /** Events per second, one event per call, `concurrency` calls in flight. */
  publish: { events: number; concurrency: number; plainPerSecond: number; keyedPerSecond: number; replayPerSecond: number };
}

export function measureSealing(values: number): SecurityResult['seal'] {
  const key = parseKey(newKey());
  const vault = createVault({ current: key });
  const plain = Array.from({ length: values }, (_, i) => `whsec_${randomUUID().replaceAll('-', '')}${i}`);
  let t = monoMs();
  const sealed = plain.map((p) => vault.seal(p, SEALED.signingKey));
  const sealUs = ((monoMs() - t) * 1000) / values;
  t = monoMs();
  for (const s of sealed) vault.open(s, SEALED.signingKey);
  const openUncachedUs = ((monoMs() - t) * 1000) / values;
  // The delivery path's working set: as many values as the cache holds (more would measure
  // misses again), in a vault of its own whose cache holds exactly them.
  const warm = createVault({ current: key });
  const hot = sealed.slice(0, OPEN_CACHE_MAX);
  for (const s of hot) warm.open(s, SEALED.signingKey);
  t = monoMs();
  for (let round = 0; round < 10; round++) for (const s of hot) warm.open(s, SEALED.signingKey);
  const openCachedUs = ((monoMs() - t) * 1000) / (hot.length * 10);
  return { sealUs: round(sealUs, 2), openUncachedUs: round(openUncachedUs, 2), openCachedUs: round(openCachedUs, 3), values };
}

/** Opens a graphql-ws subscription with `key` and resolves once acknowledged; `closed` resolves with the close code. */
function subscribe(base: string, key: string): Promise<{ closed: Promise<{ code: number; at: number }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = new Promise<{ code: number; at: number }>((r) => ws.on('close', (code) => r({ code, at: monoMs() })));
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string };
      if (m.type !== 'connection_ack') return;
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { deliveryAttempts { id } }' } }));
      resolve({ closed });
    });
  });
}

export async function measureRevocation(bench: BenchCore, fixture: Fixture, apiUrl: string, n: number): Promise<SecurityResult['revocation']> {
  const fromCall: number[] = [];
  const fromReturn: number[] = [];
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    const { key, apiKey } = await bench.core.accounts.createApiKey(fixture.accountId, { label: `revoked ${i}` });
    const { closed } = await subscribe(apiUrl, apiKey);
    const t0 = monoMs();
    await bench.core.accounts.revokeApiKey(fixture.accountId, key.id);
    const t1 = monoMs();
    const { code, at } = await closed;
    fromCall.push(at - t0);
    fromReturn.push(Math.max(0, at - t1));
    codes.push(code);
  }
  return { fromCall: percentiles(fromCall), fromReturn: percentiles(fromReturn), codes: [...new Set(codes)] };
}

export async function measurePublishing(bench: BenchCore, fixture: Fixture, events: number, concurrency: number): Promise<SecurityResult['publish']> {
  const run = async (key: (i: number) => string | null) => {
    const t0 = monoMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < events) {
          const i = next++;
          await bench.core.dispatch.publish(fixture.accountId, { deviceToken: fixture.device.token, event: 'submission', data: fixture.data, idempotencyKey: key(i) });
        }
      }),
    );
    // Per second only: db.statements() does not count what a checked-out client sends (the keyed publish's transaction).
    return Math.round(events / ((monoMs() - t0) / 1000));
  };
  const tag = randomUUID();
  const plain = await run(() => null);
  const keyed = await run((i) => `${tag}-${i}`);
  const replay = await run((i) => `${tag}-${i}`);
  return {
    events,
    concurrency,
    plainPerSecond: plain,
    keyedPerSecond: keyed,
    replayPerSecond: replay,
  };
}
