import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startHoldingReceiver } from './helpers/holdingReceiver.js';
import { startGatewayProcess } from './helpers/processes.js';
import { publishedData } from './helpers/samples.js';
import { wsClient } from './helpers/api.js';

let gw: TestGateway;
let rx: Awaited<ReturnType<typeof startHoldingReceiver>>;
let acct: Awaited<ReturnType<typeof seedAccount>>;

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startHoldingReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'Slow CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

describe('a graceful stop (SIGTERM)', () => {
  it('a worker holding 16 slow POSTs exits 0: what finishes in the grace is recorded, the rest is cut off, handed back and delivered by another worker, nothing lost', async () => {
    // The poll is a minute: the other worker can only learn of the handed-back deliveries from
    // the stopping worker's wake-up.
    const env = {
      DATABASE_URL: gw.url,
      ROLES: 'workers',
      PORT: '0',
      ALLOW_PRIVATE_TARGETS: 'true',
      SHUTDOWN_GRACE_MS: '3000',
      WORKER_ENDPOINT_CONCURRENCY: '16',
      DELIVERY_TIMEOUT_MS: '600000',
      RETRY_SCHEDULE: 'none',
      WORKER_POLL_MS: '60000',
    };
    const victim = await startGatewayProcess(env);
    let survivor: Awaited<ReturnType<typeof startGatewayProcess>> | null = null;
    try {
      for (let i = 0; i < 16; i++) {
        await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
      }
      await eventually(() => rx.held() === 16, '16 POSTs held by the receiver');
      // Another worker comes up with nothing due: all 16 are leased to the first.
      survivor = await startGatewayProcess(env);

      const exit = exited(victim.child);
      victim.child.kill('SIGTERM');
      await eventually(() => victim.output().includes('stopping: no new work is taken'), 'the stop to begin');
      const finished = rx.release(8); // these answer within the grace
      const { code, signal } = await exit;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(victim.output()).toContain('"msg":"stopped"');

      await eventually(async () => {
        const { rows } = await gw.db.pool.query<{ n: number }>(`select count(*)::int as n from delivery where status <> 'succeeded'`);
        return rows[0]!.n === 0;
      }, 'every delivery succeeded');
      const attempts = await gw.db.pool.query<{ delivery_id: string; attempt_number: number; outcome: string; error_code: string | null }>(
        `select delivery_id, attempt_number, outcome, error_code from attempt where not test order by delivery_id, attempt_number`,
      );
      const byDelivery = new Map<string, string[]>();
      for (const a of attempts.rows) {
        const id = gw.core.ctx.webhookIds.delivery(a.delivery_id);
        byDelivery.set(id, [...(byDelivery.get(id) ?? []), `${a.attempt_number}:${a.error_code ?? a.outcome}`]);
      }
      expect(byDelivery.size).toBe(16);
      for (const id of finished) {
        expect(byDelivery.get(id)).toEqual(['1:success']); // recorded by the stopping worker, never sent again
        expect(rx.timesSeen(id)).toBe(1);
      }
      const cutOff = [...byDelivery.keys()].filter((id) => !finished.includes(id));
      expect(cutOff).toHaveLength(8);
      for (const id of cutOff) {
        expect(byDelivery.get(id)).toEqual(['1:interrupted', '2:success']); // handed back, then sent by the other worker
        expect(rx.timesSeen(id)).toBe(2);
      }
      expect(survivor.output()).not.toContain('"msg":"stopping');
    } finally {
      await Promise.all([victim.stop(), survivor?.stop()]);
    }
  });

  it('an api process closes its open subscriptions with 1001 (going away) and exits 0', async () => {
    const api = await startGatewayProcess({ DATABASE_URL: gw.url, ROLES: 'api', PORT: '0', HOST: '127.0.0.1' }, 'GraphQL API listening');
    const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(api.output())![1]!;
    const closed = new Promise<number>((resolve) => {
      const client = wsClient(base, acct.apiKey, { closed: (e) => resolve((e as { code: number }).code) });
      client.subscribe({ query: 'subscription { deliveryAttempts { id } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    // Registered: the process counts it among its live subscribers.
    await eventually(async () => (await (await fetch(`${base}/metrics`)).text()).includes('kirisan_live_subscribers 1'), 'the subscription registered');
    const exit = exited(api.child);
    api.child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('a second, different signal during the stop exits at once (an operator who will not wait)', async () => {
    const worker = await startGatewayProcess({ DATABASE_URL: gw.url, ROLES: 'workers', PORT: '0', ALLOW_PRIVATE_TARGETS: 'true', SHUTDOWN_GRACE_MS: '600000', DELIVERY_TIMEOUT_MS: '600000' });
    const heldBefore = rx.held();
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    await eventually(() => rx.held() === heldBefore + 1, 'a POST held'); // the stop would wait for it
    const exit = exited(worker.child);
    worker.child.kill('SIGTERM');
    await eventually(() => worker.output().includes('stopping: no new work is taken'), 'the stop to begin');
    worker.child.kill('SIGINT');
    expect(await exit).toEqual({ code: 130, signal: null });
    expect(worker.output()).toContain('second signal: exiting at once');
    rx.release(rx.held());
  });
});
