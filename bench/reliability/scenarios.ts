import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { baseOf, now, quantile, startGateway, until, type startPostgres, type startReceiver } from './parts.js';

type Pg = Awaited<ReturnType<typeof startPostgres>>;
type Rx = Awaited<ReturnType<typeof startReceiver>>;

export interface Row {
  scenario: string;
  injected: string;
  events: number;
  lost: number;
  duplicates: number;
  why: string;
  figures: Record<string, number | string>;
}

const PLATFORM_KEY = 'reliability-platform-key-0123456789';
const SUBMISSION = { submission: { id: 1, name: 'Form' }, sender: '6281234567890', answers: [], started_at: 1, completed_at: 2 };

/** An account with one WhatsApp device and an Active webhook to the receiver, through core. */
async function seed(url: string, rx: Rx): Promise<{ runtime: Runtime; accountId: string; token: string }> {
  const config = loadConfig({ DATABASE_URL: url, ALLOW_PRIVATE_TARGETS: 'true', MIGRATE_ON_START: 'false', LOG_LEVEL: 'silent' });
  const runtime = await createRuntime(config, { logger: createLogger('silent'), roles: [] });
  const { account } = await runtime.core.accounts.create({ name: 'Reliability' });
  const device = await runtime.core.devices.register(account.id, { channel: 'whatsapp', name: 'Line', identifier: '6281234567890', inboundHandler: 'webhook' });
  const saved = await runtime.core.webhooks.save(account.id, { name: 'CRM', url: rx.url, deviceIds: [device.id], events: ['submission'] });
  const [target] = await runtime.core.tests.targets(account.id, { webhookId: saved.webhookId });
  if (!(await runtime.core.tests.send(account.id, target!.id)).success) throw new Error('activation test failed');
  return { runtime, accountId: account.id, token: device.token };
}

const workerEnv = (url: string, extra: Record<string, string> = {}) => ({ DATABASE_URL: url, ROLES: 'workers', ALLOW_PRIVATE_TARGETS: 'true', RETRY_SCHEDULE: '1s,2s,5s', ...extra });

async function undelivered(url: string): Promise<number> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<{ n: number }>(`select count(*)::int as n from delivery where status = 'pending'`)).rows[0]!.n;
  } finally {
    await c.end();
  }
}

/** SIGTERM of a worker holding 16 slow POSTs, another worker running. */
export async function gracefulStop(db: Pg, rx: Rx): Promise<Row> {
  const url = await db.database('r_stop');
  const s = await seed(url, rx);
  rx.reset();
  rx.hold(true);
  const env = workerEnv(url, { SHUTDOWN_GRACE_MS: '3000', WORKER_ENDPOINT_CONCURRENCY: '16', DELIVERY_TIMEOUT_MS: '600000', WORKER_POLL_MS: '60000' });
  const victim = await startGateway(env);
  try {
    for (let i = 0; i < 16; i++) await s.runtime.core.dispatch.publish(s.accountId, { deviceToken: s.token, event: 'submission', data: SUBMISSION });
    await until(() => rx.held() === 16);
    const survivor = await startGateway(env);
    try {
      const t0 = now();
      victim.child.kill('SIGTERM');
      await until(() => victim.output().includes('stopping: no new work'));
      const finished = rx.release(8);
      const exit = await victim.exit;
      await until(() => [...rx.arrivals.values()].filter((t) => t.length >= 2).length === 8);
      const resent = [...rx.arrivals.values()].filter((t) => t.length >= 2).map((t) => t[1]!);
      const dupByStop = finished.filter((id) => (rx.arrivals.get(id)?.length ?? 0) > 1).length;
      await until(async () => (await undelivered(url)) === 0);
      return {
        scenario: 'Graceful stop (SIGTERM) of a worker holding 16 slow POSTs, grace 3 s',
        injected: 'SIGTERM; 8 POSTs answered during the grace, 8 never',
        events: 16,
        lost: 16 - rx.arrivals.size,
        duplicates: dupByStop,
        why: '8 cut off at the end of the grace were sent again (same webhook-id) because their receiver never answered; none that finished was resent',
        figures: {
          exitCode: exit.code ?? `signal ${exit.signal}`,
          exitAfterSignalMs: Math.round(exit.at - t0),
          cutOffResentMsAfterSignalMax: Math.round(Math.max(...resent) - t0),
          // Negative: the other worker had them before this process was seen to exit.
          cutOffResentMsAfterExitMax: Math.round(Math.max(...resent) - exit.at),
        },
      };
    } finally {
      rx.hold(false);
      rx.release(rx.held());
      await survivor.stop();
    }
  } finally {
    await victim.stop();
    await s.runtime.stop();
  }
}

/** SIGKILL ×15 of 3 workers while 3,000 events are delivered. */
export async function killWorkers(db: Pg, rx: Rx): Promise<Row> {
  const url = await db.database('r_kill');
  const s = await seed(url, rx);
  rx.reset();
  const env = workerEnv(url, { DELIVERY_TIMEOUT_MS: '2000', LEASE_MARGIN_MS: '1000', WORKER_POLL_MS: '200' });
  const workers = await Promise.all([0, 1, 2].map(() => startGateway(env)));
  const N = 3000;
  let published = 0;
  let heldAtKills = 0;
  try {
    const publishing = (async () => {
      while (published < N) {
        const batch = Array.from({ length: Math.min(100, N - published) }, () => ({ deviceToken: s.token, event: 'submission', data: SUBMISSION }));
        await s.runtime.core.dispatch.publishMany(null, batch);
        published += batch.length;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (let k = 0; k < 15; k++) {
      await until(() => rx.arrivals.size >= Math.min(N, (k + 1) * 150) || published >= N);
      const i = k % 3;
      const id = /"worker":"(worker-[0-9a-f]+)"/.exec(workers[i]!.output())?.[1];
      const { rows } = await s.runtime.db.pool.query<{ n: number }>(`select count(*)::int as n from delivery where leased_by = $1 and status = 'pending'`, [id]);
      heldAtKills += rows[0]!.n;
      workers[i]!.child.kill('SIGKILL');
      await workers[i]!.exit;
      workers[i] = await startGateway(env);
    }
    await publishing;
    await until(async () => (await undelivered(url)) === 0);
    const duplicates = [...rx.arrivals.values()].filter((t) => t.length > 1).length;
    return {
      scenario: 'SIGKILL ×15 of 3 worker processes during 3,000 events',
      injected: 'kill -9 of a worker every ~150 deliveries, restarted at once',
      events: N,
      lost: N - rx.arrivals.size,
      duplicates,
      why: `only deliveries a killed worker held (${heldAtKills} held at the kills) can be sent twice: POSTed, not yet recorded; sent again after the lease, same webhook-id`,
      figures: { heldByKilledWorkers: heldAtKills },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await s.runtime.stop();
  }
}

/** Four publishers through the API while the database is stopped hard or frozen. */
export async function databaseOutage(db: Pg, rx: Rx, kind: 'stopped' | 'frozen', outageMs: number): Promise<Row> {
  const url = await db.database(`r_${kind}`);
  const s = await seed(url, rx);
  await s.runtime.stop();
  rx.reset();
  const gw = await startGateway({ DATABASE_URL: url, ROLES: 'api,workers', PLATFORM_API_KEY: PLATFORM_KEY, ALLOW_PRIVATE_TARGETS: 'true', RETRY_SCHEDULE: '500ms,1s,2s,5s,10s,30s', WORKER_POLL_MS: '200' });
  const base = baseOf(gw);
  type Answer = { ok: boolean; status: number; retryAfter: boolean; code?: string; ms: number; at: number; marker: string };
  const answers: Answer[] = [];
  let running = true;
  let seq = 0;
  const publisher = async () => {
    while (running) {
      const marker = `m${seq++}`;
      const t0 = now();
      try {
        const res = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
          body: JSON.stringify({
            query: 'mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId } }',
            variables: { t: s.token, d: { ...SUBMISSION, answers: [{ question: 'Q', answer: { type: 'text', text: marker } }] } },
          }),
        });
        const body = (await res.json()) as { data?: { publishEvent?: unknown } | null; errors?: Array<{ extensions?: { code?: string } }> };
        answers.push({ ok: res.status === 200 && !!body.data?.publishEvent, status: res.status, retryAfter: res.headers.has('retry-after'), code: body.errors?.[0]?.extensions?.code, ms: now() - t0, at: t0, marker });
        if (res.status === 503) await new Promise((r) => setTimeout(r, 100)); // a polite publisher would wait Retry-After
      } catch (e) {
        answers.push({ ok: false, status: 0, retryAfter: false, code: String(e), ms: now() - t0, at: t0, marker });
      }
    }
  };
  const publishers = [publisher(), publisher(), publisher(), publisher()];
  try {
    await until(() => answers.filter((a) => a.ok).length >= 50);
    const from = now();
    if (kind === 'stopped') await db.stopHard();
    else db.freeze();
    await new Promise((r) => setTimeout(r, outageMs)); // the outage itself lasts this long, by design
    const to = now();
    if (kind === 'stopped') await db.start();
    else db.thaw();
    await until(() => answers.some((a) => a.ok && a.at > to));
    const recoveredMs = Math.min(...answers.filter((a) => a.ok && a.at > to).map((a) => a.at + a.ms)) - to;
    await until(() => answers.filter((a) => a.ok && a.at > to).length >= 50);
    running = false;
    await Promise.all(publishers);
    const during = answers.filter((a) => a.at >= from && a.at < to);
    const refused = during.filter((a) => !a.ok);
    const acknowledged = answers.filter((a) => a.ok).map((a) => a.marker);
    const deliveredMarkers = new Set<string>();
    await until(async () => (await undelivered(url)) === 0);
    const c = new pg.Client(url);
    await c.connect();
    // Delivered: the event has a successful live attempt.
    const { rows } = await c.query<{ marker: string }>(
      `select e.payload->'answers'->0->'answer'->>'text' as marker from event e
        where exists (select 1 from attempt a where a.event_id = e.id and a.outcome = 'success' and not a.test)`,
    );
    await c.end();
    for (const r of rows) deliveredMarkers.add(r.marker);
    const other = answers.filter((a) => !a.ok && !(a.status === 503 && a.retryAfter && a.code === 'UNAVAILABLE'));
    return {
      scenario: `PostgreSQL ${kind === 'stopped' ? 'stopped hard (immediate shutdown)' : 'frozen (SIGSTOP)'} for ${outageMs / 1000} s under 4 publishers`,
      injected: kind === 'stopped' ? 'SIGQUIT to the postmaster, restart on the same port' : 'SIGSTOP of every server process, then SIGCONT',
      events: acknowledged.length,
      lost: acknowledged.filter((m) => !deliveredMarkers.has(m)).length,
      duplicates: 0,
      why: 'a refused publish stored nothing it acknowledged; publishers retry on 503 (with an idempotency key a retry is exactly once)',
      figures: {
        requestsDuringOutage: during.length,
        refused503: refused.length,
        answersOtherThan503: other.length,
        refusalMsP50: Math.round(quantile(refused.map((a) => a.ms), 0.5)),
        refusalMsP99: Math.round(quantile(refused.map((a) => a.ms), 0.99)),
        refusalMsMax: Math.round(Math.max(0, ...refused.map((a) => a.ms))),
        slowestRequestMs: Math.round(Math.max(...answers.map((a) => a.ms))),
        firstSuccessAfterRecoveryMs: Math.round(recoveredMs),
        gatewayRestarted: gw.child.exitCode === null ? 'no' : 'yes',
      },
    };
  } finally {
    running = false;
    await Promise.allSettled(publishers);
    await gw.stop();
  }
}

/** Three processes cold-starting together on one empty database, `rounds` times. */
export async function coldStart(db: Pg, rounds: number): Promise<Row> {
  let up = 0;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const url = await db.database(`r_cold_${r}`, false);
    const t0 = now();
    const started = await Promise.allSettled([0, 1, 2].map(() => startGateway({ DATABASE_URL: url, ROLES: 'api,workers' })));
    for (const s of started) if (s.status === 'fulfilled') up++;
    times.push(now() - t0);
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
  }
  return {
    scenario: `3 processes cold-starting on one empty database, ${rounds} rounds`,
    injected: 'an empty database (no schema); migrations under an advisory lock',
    events: 0,
    lost: 0,
    duplicates: 0,
    why: `${up} of ${rounds * 3} processes came up`,
    figures: { processesUp: `${up}/${rounds * 3}`, slowestRoundMs: Math.round(Math.max(...times)) },
  };
}

/** Time to ready with Telegram answering nothing, beside no bot at all. */
export async function telegramUnreachable(db: Pg): Promise<Row> {
  const url = await db.database('r_tg');
  const hole = net.createServer(() => undefined);
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  const apiRoot = `http://127.0.0.1:${(hole.address() as AddressInfo).port}`;
  const ready = async (env: Record<string, string>) => {
    const t0 = now();
    const g = await startGateway({ DATABASE_URL: url, ROLES: 'api,workers,bot', ...env });
    const ms = now() - t0;
    await g.stop();
    return ms;
  };
  try {
    const without: number[] = [];
    const unreachable: number[] = [];
    for (let i = 0; i < 3; i++) {
      without.push(await ready({}));
      unreachable.push(await ready({ TELEGRAM_BOT_TOKEN: '123456789:RELIABILITY-token_for-a-black-hole', TELEGRAM_API_ROOT: apiRoot }));
    }
    return {
      scenario: 'Telegram unreachable at start (a server that accepts and never answers)',
      injected: 'TELEGRAM_API_ROOT pointing at a black hole',
      events: 0,
      lost: 0,
      duplicates: 0,
      why: 'the bot contacts Telegram in the background; nothing waits for it',
      figures: { readyMsWithoutBot: Math.round(quantile(without, 0.5)), readyMsTelegramUnreachable: Math.round(quantile(unreachable, 0.5)) },
    };
  } finally {
    hole.close();
  }
}
