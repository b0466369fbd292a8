import 'reflect-metadata';
import { freePort } from '../src/db/embedded.js';
import { monoMs } from './lib/clock.js';
import { openBenchCore, seedFixture } from './lib/fixture.js';
import { startGatewayProcess, type GatewayProcess } from './lib/gatewayProcess.js';
import { seedHistory } from './lib/history.js';
import { startBenchPostgres } from './lib/postgres.js';
import { progress } from './lib/progress.js';
import { startReceiver, type RouteMode } from './lib/receiver.js';
import { buildRows, type Results } from './lib/results.js';
import { machine, printTable, writeJson } from './lib/report.js';
import { parseSettings, runs } from './lib/settings.js';
import { runB0 } from './phases/b0.js';
import { runB1 } from './phases/b1.js';
import { runLatency, runThroughput, type DeliveryRun } from './phases/delivery.js';
import { runLiveFeed } from './phases/liveFeed.js';
import { runLogQueries } from './phases/logQueries.js';

/**
 * `npm run bench [-- --quick]`: measures the real gateway against baselines taken in the
 * same run, prints a table of every figure with its baseline and target, and writes the
 * same figures to bench/results/<date>.json. Every process it starts and the embedded
 * PostgreSQL are stopped at the end, whatever happens.
 */

/** Worker settings the bench passes on to the gateway processes when set in its environment. */
const PASSED_ON = ['WORKER_CONCURRENCY', 'WORKER_ENDPOINT_CONCURRENCY', 'WORKER_BATCH_SIZE', 'WORKER_POLL_MS', 'LEASE_MARGIN_MS', 'RETRY_SCHEDULE'];
const DEFAULT_CONCURRENCY = 128;
const DEFAULT_PER_ENDPOINT = 16;
const DEFAULT_BATCH = 100;

async function main(): Promise<number> {
  const s = parseSettings(process.argv.slice(2));
  const started = monoMs();
  const cleanup: Array<() => Promise<void>> = [];
  const runCleanup = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping every process the bench started…\n');
    void runCleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const passed = Object.fromEntries(PASSED_ON.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  const concurrency = Number(passed['WORKER_CONCURRENCY'] ?? DEFAULT_CONCURRENCY);
  const perEndpoint = Number(passed['WORKER_ENDPOINT_CONCURRENCY'] ?? DEFAULT_PER_ENDPOINT);
  const batch = Number(passed['WORKER_BATCH_SIZE'] ?? DEFAULT_BATCH);
  const workerEnv = (url: string): Record<string, string> => ({
    DATABASE_URL: url,
    ROLES: 'workers',
    ALLOW_PRIVATE_TARGETS: 'true',
    DELIVERY_TIMEOUT_MS: String(s.deliveryTimeoutMs),
    NODE_ENV: 'production',
    ...passed,
  });
  const results: Results = { date: new Date().toISOString(), quick: s.quick, settings: { ...s, only: s.only ? [...s.only] : null, gateway: { concurrency, perEndpoint, batch, ...passed } } };

  try {
    progress('setup', 'starting PostgreSQL and the receiver');
    const pg = await startBenchPostgres(process.env.DATABASE_URL);
    cleanup.push(() => pg.stop());
    results.machine = machine(`${pg.version} (${pg.kind})`);
    const M = s.endpoints;
    const modes: RouteMode[] = [...Array.from({ length: M }, (): RouteMode => 'ok'), 'hang', 'fail'];
    const receiver = await startReceiver(modes);
    cleanup.push(() => receiver.close());
    const healthyUrls = receiver.urls.slice(0, M);
    const startGateway = async (url: string, name: string): Promise<GatewayProcess> => {
      const g = await startGatewayProcess(workerEnv(url), { readyMessage: 'delivery worker started', cpuProfDir: s.cpuProfDir, name });
      cleanup.push(() => g.stop());
      return g;
    };
    const fixturePayload = async () => {
      const url = await pg.createDatabase('bench_payload');
      const b = await openBenchCore(url, 4);
      try {
        const f = await seedFixture(b.core, healthyUrls.slice(0, 1), 'Payload');
        await receiver.take();
        return JSON.stringify({ event: 'submission', device: f.device.token, channel: 'whatsapp', ...f.data });
      } finally {
        await b.close();
        await pg.dropDatabase('bench_payload');
      }
    };

    // B0 runs at the start and again after the delivery phases; the better run is the
    // limit (other load on a shared machine can only make a run slower, never faster).
    const payloadJson = runs(s, 'b0') ? await fixturePayload() : '';
    const b0 = async () => {
      progress('B0', `raw undici loop: ${s.baselineDeliveries} POSTs`);
      const r = await runB0({ receiver, routes: M, total: s.baselineDeliveries, concurrency, perEndpoint, payloadJson });
      results.b0Runs = [...(results.b0Runs ?? []), r];
      if (!results.b0 || r.perSecond > results.b0.perSecond) results.b0 = r;
    };
    if (runs(s, 'b0')) await b0();

    if (runs(s, 'b1')) {
      progress('B1', `the gateway's SQL without HTTP: ${s.baselineDeliveries} deliveries`);
      const b = await openBenchCore(await pg.createDatabase('bench_b1'));
      try {
        const fixture = await seedFixture(b.core, healthyUrls, 'B1');
        await receiver.take();
        await seedHistory(b.db.pool, fixture, s.historyDeliveries);
        results.b1 = await runB1({ pool: b.db.pool, fixture, total: s.baselineDeliveries, batch, perEndpoint, loops: 4 });
      } finally {
        await b.close();
        await pg.dropDatabase('bench_b1');
      }
    }

    const deliveryPhase = async (phase: 'clean' | 'isolation') => {
      const b = await openBenchCore(await pg.createDatabase(`bench_${phase}`));
      cleanup.push(() => b.close());
      const urls = phase === 'clean' ? healthyUrls : receiver.urls;
      const fixture = await seedFixture(b.core, urls, phase);
      await receiver.take();
      await seedHistory(b.db.pool, fixture, s.historyDeliveries);
      const gateway = await startGateway(b.db.url, phase);
      const run: DeliveryRun = { phase, bench: b, fixture, receiver, gateway, healthy: M };
      const deliveries = s.events * M;
      progress(phase, `throughput: ${s.events} events × ${urls.length} endpoints${phase === 'isolation' ? ' (one hangs, one answers 500)' : ''}`);
      const throughput = await runThroughput(run, s.events, s.publishBatch, s.publishConcurrency, 60_000 + deliveries);
      const rate = Math.max(50, (results.clean?.throughput.perSecond ?? throughput.perSecond) * s.latencyLoad);
      progress(phase, `latency: open arrivals at ${Math.round(rate)} healthy deliveries/s for ${s.latencySeconds} s (after ${s.latencyWarmupSeconds} s untimed)`);
      const latency = await runLatency(run, rate, s.latencySeconds, s.latencyWarmupSeconds, 60_000);
      await gateway.stop();
      await b.close();
      await pg.dropDatabase(`bench_${phase}`);
      return { throughput, latency };
    };
    if (runs(s, 'clean')) results.clean = await deliveryPhase('clean');
    if (runs(s, 'isolation')) results.isolation = await deliveryPhase('isolation');
    if (runs(s, 'b0')) await b0();

    if (runs(s, 'logs')) {
      progress('logs', `log queries on ${s.logRows} attempt rows`);
      const b = await openBenchCore(await pg.createDatabase('bench_logs'), 4);
      cleanup.push(() => b.close());
      results.logs = await runLogQueries(b, s.logRows, s.logRepeats);
      await b.close();
      await pg.dropDatabase('bench_logs');
    }

    if (runs(s, 'feed')) {
      progress('feed', `live feed: ${s.subscribers} subscribers on an api-only gateway process`);
      const b = await openBenchCore(await pg.createDatabase('bench_feed'), 4);
      cleanup.push(() => b.close());
      const accounts = [];
      for (let i = 0; i < 10; i++) {
        const { account, apiKey } = await b.core.accounts.create({ name: `Feed ${i}` });
        const devices = [];
        for (const channel of ['whatsapp', 'telegram', 'waba'] as const) {
          devices.push(await b.core.devices.register(account.id, { channel, name: `${channel} line`, identifier: channel === 'telegram' ? `feed_${i}_bot` : `6281300000${i}`, inboundHandler: 'webhook' }));
        }
        accounts.push({ id: account.id, apiKey, devices });
      }
      const port = await freePort();
      const gateway = await startGatewayProcess(
        { DATABASE_URL: b.db.url, ROLES: 'api', PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
        { readyMessage: 'GraphQL API listening', cpuProfDir: s.cpuProfDir, name: 'feed' },
      );
      cleanup.push(() => gateway.stop());
      results.feed = await runLiveFeed({ bench: b, gateway, gatewayUrl: `http://127.0.0.1:${port}`, accounts, subscribers: s.subscribers, rate: s.feedRate, seconds: s.feedSeconds });
      await gateway.stop();
    }

    results.seconds = Math.round((monoMs() - started) / 1000);
    const rows = buildRows(results);
    results.table = rows;
    const title = `Kirisan webhook gateway bench · ${results.date.slice(0, 10)} · ${String(results.machine?.['cores'])} cores (${String(results.machine?.['cpu'])}) · ${s.quick ? 'quick' : 'full'} run, ${results.seconds} s`;
    printTable(title, rows);
    const file = await writeJson(results as unknown as Record<string, unknown>);
    progress('done', `results written to ${file}`);
    if (rows.some((r) => r.verdict === 'VOID')) {
      process.stdout.write('\nVOID: published ≠ delivered in at least one run (see the rows marked VOID); its figures do not count.\n');
      return 2;
    }
    return 0;
  } finally {
    await runCleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
