import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptView } from '../src/core/logs/attempts.js';
import { logChannels, matchesFilter, normalizeFilter, type AttemptFilter } from '../src/core/logs/filter.js';
import { catalogue } from '../src/core/catalogue/index.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

/**
 * The live feed filters new attempts in memory (matchesFilter); Webhooks → Logs filters them
 * in SQL. The two must agree: for generated filters over a varied log, both pick the same rows.
 */
let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let all: AttemptView[];
const CHANNELS = catalogue.channelIds();
const EVENT_NAMES = catalogue.subscribableNames();
const endpoints = [randomUUID(), randomUUID(), randomUUID()];
const goneDevice = randomUUID(); // a device deleted since: its attempts keep the id, not the device
const hourAgo = Date.now() - 3_600_000;

async function everyPage(filter: AttemptFilter | null): Promise<AttemptView[]> {
  const out: AttemptView[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await gw.core.logs.list(acct.accountId, { filter, first: 100, after });
    out.push(...page.items);
    if (!page.hasNextPage) return out;
    after = page.endCursor;
  }
}

beforeAll(async () => {
  gw = await startTestGateway();
  acct = await seedAccount(gw.core);
  const devices = [acct.wa, acct.tg, acct.waba];
  const rows = Array.from({ length: 120 }, (_, i) => {
    const device = i % 7 === 0 ? null : devices[i % 3]!;
    return {
      endpoint: i % 5 === 0 ? null : endpoints[i % 3]!,
      device: device?.id ?? (i % 2 ? goneDevice : null),
      channel: device?.channel ?? CHANNELS[i % CHANNELS.length]!,
      event: EVENT_NAMES[i % EVENT_NAMES.length]!,
      outcome: i % 3 === 0 ? 'failed' : 'success',
      test: i % 4 === 0,
      at: new Date(hourAgo + i * 29_000),
    };
  });
  await gw.db.pool.query(
    `insert into attempt (account_id, delivery_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test, started_at, duration_ms, http_code, outcome, attempt_number)
     select $1, null, r.endpoint, 'Hook', r.device, r.channel, r.event, 'https://x.example.com', r.test, r.at, 5, case when r.outcome = 'success' then 200 else 500 end, r.outcome, 1
       from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::timestamptz[]) as r(endpoint, device, channel, event, outcome, test, at)`,
    [acct.accountId, rows.map((r) => r.endpoint), rows.map((r) => r.device), rows.map((r) => r.channel), rows.map((r) => r.event), rows.map((r) => r.outcome), rows.map((r) => r.test), rows.map((r) => r.at)],
  );
  all = await everyPage(null);
  expect(all).toHaveLength(120);
});
afterAll(async () => {
  await gw.close();
});

const prefixes = () => [acct.wa, acct.tg, acct.waba].flatMap((d) => [d.token.slice(0, 3), d.token.slice(0, 8), d.identifier.slice(0, 4), `@${d.identifier.slice(0, 5)}`, `+${d.identifier.slice(0, 6)}`]);
// Any instant around the log, or exactly a row's time (where `from` includes and `to` excludes).
const dateIn = fc.oneof(
  fc.integer({ min: -600_000, max: 4_200_000 }).map((ms) => new Date(hourAgo + ms)),
  fc.integer({ min: 0, max: 119 }).map((i) => new Date(hourAgo + i * 29_000)),
);

describe('the live feed and the log filter the same way', () => {
  it('matchesFilter picks exactly the rows the SQL filter returns, for generated filters', async () => {
    const filter: fc.Arbitrary<AttemptFilter> = fc.record(
      {
        deviceSearch: fc.oneof(fc.constantFrom(...prefixes()), fc.string({ maxLength: 6 }), fc.constantFrom('%', '_', '\\', ' 628')),
        events: fc.subarray(EVENT_NAMES),
        statuses: fc.subarray(['success', 'failed'] as const),
        channels: fc.subarray(logChannels()),
        deviceId: fc.constantFrom(acct.wa.id, acct.tg.id, goneDevice, randomUUID()),
        endpointId: fc.constantFrom(...endpoints, randomUUID()),
        endpointIds: fc.subarray([...endpoints, randomUUID()]),
        test: fc.boolean(),
        from: dateIn,
        to: dateIn,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(filter, async (f) => {
        fc.pre(!f.from || !f.to || f.from < f.to);
        const inSql = (await everyPage(f)).map((a) => a.id).sort();
        const n = normalizeFilter(f);
        const inMemory = all.filter((a) => matchesFilter(n, a)).map((a) => a.id).sort();
        expect(inMemory).toEqual(inSql);
      }),
      {
        numRuns: 500,
        // Always tried: the bounds exactly on a row's time (from includes it, to excludes it).
        examples: [[{ from: new Date(hourAgo + 60 * 29_000) }], [{ to: new Date(hourAgo + 60 * 29_000) }], [{ deviceSearch: '%' }]],
      },
    );
  });
});
