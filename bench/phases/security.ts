import { randomUUID } from 'node:crypto';
import { parse, specifiedRules, validate } from 'graphql';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { checkComplexity, checkNesting, limitRules, parseOptions } from '../../src/graphql/limits.js';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
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
 * - idempotent publishing: publishes with a key, and their replays, against publishes without;
 * - the operation limits: what parsing and validating an operation costs with GraphQL Armor's
 *   rules, the token limit, the nesting scan and the cost estimate, against graphql's own
 *   parse and validate alone.
 */
export interface SecurityResult {
  /** µs per value. */
  seal: { sealUs: number; openUncachedUs: number; openCachedUs: number; values: number };
  /** ms from the revokeApiKey call (and from its return) to the socket's close, other process. */
  revocation: { fromCall: Percentiles; fromReturn: Percentiles; codes: number[] };
  /** Events per second, one event per call, `concurrency` calls in flight. */
  publish: { events: number; concurrency: number; plainPerSecond: number; keyedPerSecond: number; replayPerSecond: number };
  /** µs per operation (the mix below, in turn), before any resolver runs. */
  limits: { plainUs: number; limitedUs: number; operations: number };
}

/** What the API mostly gets: a publish with its data, a log page, a webhook list, the caller. */
const OPERATIONS = [
  { query: 'mutation P($t: String!, $d: JSON!, $k: String) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d, idempotencyKey: $k) { eventId deliveriesQueued replayed } }', variables: { t: 'dev_x', d: { a: 1 }, k: 'k' } },
  { query: 'query L($n: Int) { deliveryLogs(first: $n) { edges { node { id webhookName event channel url outcome httpCode durationMs startedAt errorCode error } cursor } pageInfo { hasNextPage endCursor } } }', variables: { n: 50 } },
  { query: '{ webhooks(first: 20) { edges { node { id name } } } }', variables: {} },
  { query: '{ me { id name } }', variables: {} },
];

export function measureLimits(operations: number): SecurityResult['limits'] {
  const schema = buildGatewaySchema();
  const limits = loadConfig({ NODE_ENV: 'production' }).graphql;
  const rules = [...specifiedRules, ...limitRules(limits)];
  const time = (one: (op: (typeof OPERATIONS)[number]) => void) => {
    for (let i = 0; i < 200; i++) one(OPERATIONS[i % OPERATIONS.length]!);
    const t = monoMs();
    for (let i = 0; i < operations; i++) one(OPERATIONS[i % OPERATIONS.length]!);
    return ((monoMs() - t) * 1000) / operations;
  };
  const plainUs = time(({ query }) => {
    if (validate(schema, parse(query)).length) throw new Error(`bench operation does not validate: ${query}`);
  });
  const limitedUs = time(({ query, variables }) => {
    checkNesting(query);
    const document = parse(query, parseOptions(limits));
    if (validate(schema, document, rules).length) throw new Error(`bench operation does not pass the limits: ${query}`);
    checkComplexity({ schema, document, variables, max: limits.maxComplexity });
  });
  return { plainUs: round(plainUs, 1), limitedUs: round(limitedUs, 1), operations };
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
