import { randomUUID } from 'node:crypto';
import type { AttemptFilter } from '../../src/core/logs/filter.js';
import { normalizeFilter } from '../../src/core/logs/filter.js';
import { encodeCursor } from '../../src/core/pagination.js';
import type { DeviceView } from '../../src/core/registry/devices.js';
import { generateAttemptHistory } from '../lib/attemptHistory.js';
import { monoMs } from '../lib/clock.js';
import type { BenchCore } from '../lib/fixture.js';
import { fmt, progress } from '../lib/progress.js';
import { percentiles, type Percentiles } from '../lib/stats.js';

export interface LogQueryResult {
  filter: string;
  first: Percentiles;
  deep: Percentiles;
  /** Rows the first page returned (a filter that matches nothing proves little). */
  rows: number;
  seqScan: boolean;
  indexes: string[];
}

export interface LogQueriesResult {
  rows: number;
  generateSeconds: number;
  queries: LogQueryResult[];
}

/** A long attempt log and the account whose log is queried. */
export interface LogHistory {
  accountId: string;
  devices: DeviceView[];
  endpoints: string[];
  rows: number;
  generateSeconds: number;
}

const DEVICES = 24;
const ENDPOINTS = 8;
const DAYS = 30;

/**
 * A long history: `rows` attempts generated in SQL (attemptHistory.ts: 60% for one account
 * over 30 days, 24 devices on 3 channels, 1% failed, 0.05% tests).
 */
export async function seedLogHistory(bench: BenchCore, rows: number): Promise<LogHistory> {
  const { core } = bench;
  const { account } = await core.accounts.create({ name: 'Logs' });
  const { account: other } = await core.accounts.create({ name: 'Other' });
  const channels = ['whatsapp', 'telegram', 'waba'] as const;
  const devices: DeviceView[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const channel = channels[i % 3]!;
    devices.push(
      await core.devices.register(account.id, {
        channel,
        name: `Line ${i}`,
        identifier: channel === 'telegram' ? `bench_${i}_bot` : `62812${String(i).padStart(7, '0')}`,
        inboundHandler: 'webhook',
      }),
    );
  }
  const endpoints = Array.from({ length: ENDPOINTS }, () => randomUUID());
  const generateSeconds = await generateAttemptHistory(bench.seed, { rows, account: account.id, other: other.id, devices, endpoints, days: DAYS }, 'logs');
  progress('logs', `${fmt(rows)} attempt rows generated and analyzed in ${generateSeconds.toFixed(1)} s`);
  return { accountId: account.id, devices, endpoints, rows, generateSeconds };
}

/**
 * For every filter of the contract (and the extras: endpoint, test, time range), the first
 * page and a deep keyset page (a cursor half-way through the history) of `history`'s
 * account, through the real core `listAttempts`, timed; and the EXPLAIN of the very
 * statement it sent.
 */
export async function runLogQueries(bench: BenchCore, history: LogHistory, repeats: number): Promise<LogQueriesResult> {
  const { core } = bench;
  const { devices, endpoints, rows } = history;
  const account = { id: history.accountId };
  const now = Date.now();
  const dayMs = 86_400_000;
  const filters: Array<[string, AttemptFilter]> = [
    ['no filter', {}],
    ['device search: token prefix', { deviceSearch: devices[5]!.token.slice(0, 12) }],
    ['device search: number prefix (8 devices)', { deviceSearch: '+62812' }],
    ['events: incoming message', { events: ['incoming_message'] }],
    ['events: submission + submission.completed', { events: ['submission', 'submission.completed'] }],
    ['events: message status (5%)', { events: ['message_status'] }],
    ['status: failed (1%)', { statuses: ['failed'] }],
    ['status: success', { statuses: ['success'] }],
    ['channel: telegram', { channels: ['telegram'] }],
    ['device', { deviceId: devices[7]!.id }],
    ['endpoint', { endpointId: endpoints[3]! }],
    ['test only (0.05%)', { test: true }],
    ['failed on telegram (0.3%)', { statuses: ['failed'], channels: ['telegram'] }],
    ['time range: one day', { from: new Date(now - 20 * dayMs), to: new Date(now - 19 * dayMs) }],
  ];
  const queries: LogQueryResult[] = [];
  for (const [name, filter] of filters) {
    // The deep page: everything older than a point half-way through the history (for the
    // time range, half-way through the range).
    const middle = filter.from && filter.to ? new Date((filter.from.getTime() + filter.to.getTime()) / 2) : new Date(now - (DAYS / 2) * dayMs);
    const after = encodeCursor([middle.toISOString().replace('Z', '000').slice(0, 26), '9223372036854775807'], normalizeFilter(filter));
    const timed = async (cursor: string | null) => {
      const samples: number[] = [];
      let n = 0;
      for (let i = 0; i < repeats + 2; i++) {
        const s = monoMs();
        const page = await core.logs.list(account.id, { filter, first: 20, after: cursor });
        if (i >= 2) samples.push(monoMs() - s);
        n = page.items.length;
      }
      return { p: percentiles(samples), n };
    };
    const first = await timed(null);
    const deep = await timed(after);
    const plan = await explainOf(bench, () => core.logs.list(account.id, { filter, first: 20, after }).then(() => undefined));
    const planFirst = await explainOf(bench, () => core.logs.list(account.id, { filter, first: 20 }).then(() => undefined));
    const r: LogQueryResult = {
      filter: name,
      first: first.p,
      deep: deep.p,
      rows: first.n,
      seqScan: plan.seqScan || planFirst.seqScan,
      indexes: [...new Set([...planFirst.indexes, ...plan.indexes])],
    };
    queries.push(r);
    progress(
      'logs',
      `${name.padEnd(42)} first p50 ${r.first.p50.toFixed(1)} p95 ${r.first.p95.toFixed(1)} ms · deep p50 ${r.deep.p50.toFixed(1)} p95 ${r.deep.p95.toFixed(1)} ms · ${r.rows} rows · ${r.seqScan ? 'SEQ SCAN' : r.indexes.join(', ')}`,
    );
  }
  return { rows, generateSeconds: history.generateSeconds, queries };
}

/** Runs `call` once while recording the log statement it sends, then EXPLAINs that statement. */
async function explainOf(bench: BenchCore, call: () => Promise<void>): Promise<{ seqScan: boolean; indexes: string[] }> {
  const pool = bench.db.pool;
  const original = pool.query;
  let captured: { text: string; values: unknown[] } | null = null;
  pool.query = ((text: unknown, values?: unknown) => {
    if (typeof text === 'string' && /from attempt a/.test(text)) captured = { text, values: Array.isArray(values) ? values : [] };
    return (original as (t: unknown, v?: unknown) => unknown).call(pool, text, values);
  }) as typeof pool.query;
  try {
    await call();
  } finally {
    pool.query = original;
  }
  if (!captured) throw new Error('the log query was not captured');
  const { text, values } = captured as { text: string; values: unknown[] };
  const { rows } = await pool.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${text}`, values);
  const seen: string[] = [];
  let seqScan = false;
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n['Node Type'] === 'Seq Scan') seqScan = true;
    if (typeof n['Index Name'] === 'string') seen.push(n['Index Name']);
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') walk(v);
    }
  };
  walk(rows[0]?.['QUERY PLAN']);
  return { seqScan, indexes: [...new Set(seen)] };
}
