import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { startQueueVacuum, type IntervalClock } from '../src/core/dispatch/queueVacuum.js';
import { GatewayEvents } from '../src/core/observe.js';
import type { AttemptInsert } from '../src/db/sql/recordAttempts.js';
import { useGateway } from './helpers/fixture.js';
import { eventually } from './helpers/gateway.js';
import { publishedData } from './helpers/samples.js';

const f = useGateway({ worker: true });

beforeAll(async () => {
  await f.activate({ path: '/crm', deviceIds: [f.acct.wa.id], events: ['submission'] });
});

/** A clock that moves only when the test says: `advance` runs what has come due. */
function manualClock(): IntervalClock & { advance(ms: number): void } {
  let now = 0;
  let due: Array<{ at: number; f: () => void }> = [];
  return {
    now: () => now,
    after(ms, f) {
      const entry = { at: now + ms, f };
      due.push(entry);
      return () => void (due = due.filter((d) => d !== entry));
    },
    advance(ms) {
      now += ms;
      const ready = due.filter((d) => d.at <= now);
      due = due.filter((d) => d.at > now);
      for (const d of ready) d.f();
    },
  };
}

const vacuums = async (pool: pg.Pool = f.gw.db.pool) =>
  Number((await pool.query<{ n: string }>(`select vacuum_count as n from pg_stat_user_tables where relname = 'delivery'`)).rows[0]!.n);

/** Publishes `n` events and waits until the worker has announced every attempt (each delivery's lease and its end). */
async function deliver(n: number): Promise<void> {
  let recorded = 0;
  const off = f.gw.core.events.on('dispatch:attempts', ({ attempts }) => void (recorded += attempts.length));
  try {
    for (let i = 0; i < n; i++) await f.gw.core.dispatch.publish(f.acct.accountId, { deviceToken: f.acct.wa.token, event: 'submission', data: publishedData('submission', f.acct.wa) });
    await eventually(() => recorded >= n, `${n} attempts recorded`);
  } finally {
    off();
  }
}

describe('the workers vacuum the delivery queue as they dirty it', () => {
  it('once a delivery’s lease and its end have left enough dead row versions, the queue is vacuumed', async () => {
    const seen: number[] = [];
    const vacuum = startQueueVacuum({ pool: f.gw.db.pool, events: f.gw.core.events, settings: { afterRows: 10, minIntervalMs: 1 }, onVacuumed: (rows) => void seen.push(rows) });
    const before = await vacuums();
    try {
      await deliver(5); // 5 leases + 5 deliveries done
      await vacuum.idle();
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen[0]).toBeGreaterThanOrEqual(10);
      expect(await vacuums()).toBeGreaterThan(before);
      expect((await f.gw.db.pool.query(`select count(*)::int as n from delivery where status = 'pending'`)).rows[0].n).toBe(0);
    } finally {
      await vacuum.stop();
    }
  });

  it('below the threshold it leaves the queue to autovacuum', async () => {
    const seen: number[] = [];
    const vacuum = startQueueVacuum({ pool: f.gw.db.pool, events: f.gw.core.events, settings: { afterRows: 1_000, minIntervalMs: 1 }, onVacuumed: (rows) => void seen.push(rows) });
    try {
      await deliver(3);
      await vacuum.idle();
      expect(seen).toEqual([]);
    } finally {
      await vacuum.stop();
    }
  });

  it('vacuums at most once per interval; a stop drops the one it was holding back', async () => {
    // The worker's announcements stand in for its deliveries here, and the interval is counted
    // on a clock the test moves: what is checked is when the vacuums happen, each one real.
    const clock = manualClock();
    const events = new GatewayEvents();
    const seen: number[] = [];
    const vacuum = startQueueVacuum({ pool: f.gw.db.pool, events, settings: { afterRows: 2, minIntervalMs: 60_000 }, clock, onVacuumed: (rows) => void seen.push(rows) });
    const done = (n: number) => events.emit('dispatch:attempts', { attempts: Array.from({ length: n }, () => ({ deliveryId: '1' }) as AttemptInsert), startedAt: 0, durationMs: 0 });
    try {
      done(2);
      await vacuum.idle();
      expect(seen).toEqual([2]);
      done(3);
      await vacuum.idle();
      expect(seen).toEqual([2]); // held back: the interval has not passed
      clock.advance(60_000);
      await vacuum.idle();
      expect(seen).toEqual([2, 3]);
      done(2);
      await vacuum.stop();
      clock.advance(60_000);
      await vacuum.idle();
      expect(seen).toEqual([2, 3]);
    } finally {
      await vacuum.stop();
    }
  });

  it('a database role that may not vacuum the queue asks once, says so, and stops counting', async () => {
    const role = `reader_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await f.gw.db.pool.query(`create role ${role} login password '${password}'`);
    const url = new URL(f.gw.url);
    url.username = role;
    url.password = password;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    let refused = 0;
    let vacuumed = 0;
    const vacuum = startQueueVacuum({ pool, events: f.gw.core.events, settings: { afterRows: 1, minIntervalMs: 1 }, onNotAllowed: () => void refused++, onVacuumed: () => void vacuumed++ });
    try {
      const before = await vacuums();
      await deliver(2);
      await vacuum.idle();
      expect(refused).toBe(1);
      await deliver(2);
      await vacuum.idle();
      expect(refused).toBe(1);
      expect(vacuumed).toBe(0);
      expect(await vacuums()).toBe(before);
    } finally {
      await vacuum.stop();
      await pool.end();
      await f.gw.db.pool.query(`drop owned by ${role}`);
      await f.gw.db.pool.query(`drop role ${role}`);
    }
  });
});
