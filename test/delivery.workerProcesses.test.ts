import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startGatewayProcess } from './helpers/processes.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

const workerEnv = () => ({
  DATABASE_URL: gw.url,
  ROLES: 'workers',
  ALLOW_PRIVATE_TARGETS: 'true',
  DELIVERY_TIMEOUT_MS: '2000',
  LEASE_MARGIN_MS: '500',
  WORKER_POLL_MS: '100',
  RETRY_SCHEDULE: '200ms',
});

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

const publish = () => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
const live = () => rx.received.filter((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0');

describe('worker processes sharing one database', () => {
  it('a worker killed mid-delivery: the delivery is sent again by another worker once the lease ends', async () => {
    let hung = false;
    rx.respondWith((req, res) => {
      if (req.headers['user-agent'] === 'Kirisan-Webhook/1.0' && !hung) {
        hung = true; // hold the first live POST open: the worker dies while waiting for it
        return;
      }
      res.writeHead(200).end('ok');
    });
    const doomed = await startGatewayProcess(workerEnv());
    const before = live().length;
    await publish();
    await eventually(() => live().length === before + 1, 'the first POST');
    doomed.child.kill('SIGKILL');
    await new Promise((r) => doomed.child.once('exit', r));
    const claimedAt = Date.now();

    const survivor = await startGatewayProcess(workerEnv());
    try {
      await eventually(() => live().length === before + 2, 'the redelivery');
      // not before the 2.5 s lease (2 s timeout + 0.5 s margin) of the dead worker ended
      expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(2000);
      const [first, second] = live().slice(before);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(second!.body.replace(/"timestamp":\d+/, '')).toBe(first!.body.replace(/"timestamp":\d+/, ''));
      const attempts = await eventually(async () => {
        const page = await gw.core.logs.list(acct.accountId, { filter: { test: false } });
        return page.items.length ? page.items : undefined;
      });
      // The dead worker never recorded its attempt; the survivor's is the delivery's second.
      expect(attempts.map((a) => [a.attemptNumber, a.outcome])).toEqual([[2, 'success']]);
    } finally {
      await survivor.stop();
    }
  });

  it('two worker processes deliver N events exactly once each, and vacuum the queue as they go', async () => {
    rx.respondWith((_req, res) => res.writeHead(200).end('ok'));
    const vacuums = async () => Number((await gw.db.pool.query<{ n: string }>(`select vacuum_count as n from pg_stat_user_tables where relname = 'delivery'`)).rows[0]!.n);
    const vacuumsBefore = await vacuums();
    // Started side by side: each start is seconds of module loading on a busy machine.
    const env = { ...workerEnv(), QUEUE_VACUUM_AFTER: '100', QUEUE_VACUUM_INTERVAL_MS: '1' };
    const started = await Promise.allSettled([startGatewayProcess(env), startGatewayProcess(env)]);
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      const before = live().length;
      const N = 300;
      for (let i = 0; i < N; i++) await publish();
      await eventually(() => live().length >= before + N, `${N} deliveries`);
      // Every delivery recorded as succeeded is final: a duplicate, had there been one, was sent before.
      await eventually(async () => {
        const { rows } = await gw.db.pool.query(`select count(*)::int as n from delivery where status <> 'succeeded'`);
        return rows[0].n === 0;
      }, 'every delivery recorded');
      const ids = live().slice(before).map((r) => String(r.headers['webhook-id']));
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      // Every delivery left the queue; each has one successful attempt.
      const { rows } = await gw.db.pool.query(
        `select (select count(*)::int from delivery) as queued,
                (select count(distinct delivery_id)::int from attempt where outcome = 'success' and not test) as delivered`,
      );
      expect(rows).toEqual([{ queued: 0, delivered: N + 1 }]);
      // 600 dead row versions between two processes, a vacuum per 100 of a process's own.
      await eventually(async () => (await vacuums()) > vacuumsBefore, 'a vacuum of the queue by a worker process');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});
