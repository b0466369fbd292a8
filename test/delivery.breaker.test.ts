import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let endpointId: string;
let down = true;

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver((req, res) => {
    const live = req.headers['user-agent'] === 'Kirisan-Webhook/1.0';
    res.writeHead(live && down ? 503 : 200).end(live && down ? 'busy' : 'ok');
  });
  acct = await seedAccount(gw.core);
  const saved = await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.tg.id], events: ['submission'] });
  endpointId = saved.endpoints[0]!.id;
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

const publish = () => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.tg.token, event: 'submission', data: publishedData('submission', acct.tg) });
const liveFailures = () => rx.received.filter((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0').length;
const deliveries = async () =>
  (await gw.db.pool.query<{ status: string; n: number }>(`select status, count(*)::int as n from delivery where endpoint_id = $1 group by status order by status`, [endpointId])).rows;

describe('an endpoint that keeps failing is paused (circuit breaker)', () => {
  it('after five failures in a row it is paused: what is published for it waits instead of being attempted', async () => {
    for (let i = 0; i < 5; i++) await publish();
    await eventually(() => liveFailures() === 5, 'five failed POSTs');
    await eventually(async () => (await gw.db.pool.query<{ paused: boolean }>(`select paused_until > now() as paused from endpoint where id = $1`, [endpointId])).rows[0]?.paused, 'the pause');
    for (let i = 0; i < 10; i++) await publish();
    // Queued for the end of the pause, so no worker can take them before it.
    const { rows: parked } = await gw.db.pool.query<{ n: number }>(
      `select count(*)::int as n from delivery d join endpoint ep on ep.id = d.endpoint_id
        where d.endpoint_id = $1 and d.status = 'pending' and d.run_at >= ep.paused_until`,
      [endpointId],
    );
    expect(parked[0]!.n).toBe(10);
    expect(liveFailures()).toBe(5);
    expect(await deliveries()).toEqual([
      { status: 'failed', n: 5 },
      { status: 'pending', n: 10 },
    ]);
  });

  it('one probe after the pause: when it succeeds, the endpoint resumes and everything waiting is delivered', async () => {
    down = false;
    await eventually(async () => {
      const rows = await deliveries();
      return rows.length === 2 && rows[1]!.status === 'succeeded' && rows[1]!.n === 10;
    }, 'the ten waiting deliveries');
    const { rows } = await gw.db.pool.query<{ paused_until: Date | null }>(`select paused_until from endpoint where id = $1`, [endpointId]);
    expect(rows[0]!.paused_until).toBeNull();
    // each waiting delivery was sent once: the probe, then the nine others
    expect(liveFailures()).toBe(5 + 10);
  });
});
