import 'reflect-metadata';
import { freePort } from '../src/db/embedded.js';
import { monoMs } from './lib/clock.js';
import { BENCH_ENCRYPTION_KEY, openBenchCore, seedFixture } from './lib/fixture.js';
import { startGatewayProcess, type GatewayProcess } from './lib/gatewayProcess.js';
import { benchCpuSeconds, describeLoad, processTreeCpuSeconds, sampleLoad } from './lib/cpu.js';
import { seedHistory } from './lib/history.js';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt, progress } from './lib/progress.js';
import { startReceiver, type RouteMode } from './lib/receiver.js';
import { buildRows, scalingGrid, type Results } from './lib/results.js';
import { machine, printGrid, printTable, writeJson } from './lib/report.js';
import { parseSettings, runs } from './lib/settings.js';
import { B0_SIGNING_KEY, runB0 } from './phases/b0.js';
import { runB1 } from './phases/b1.js';
import { medianBy } from './lib/stats.js';
import { runLatency, runThroughput, type DeliveryRun, type ThroughputResult } from './phases/delivery.js';
import { runLiveFeed } from './phases/liveFeed.js';
import { runLogQueries, seedLogHistory, type LogHistory } from './phases/logQueries.js';
import { runScaling } from './phases/scaling.js';
import { rateLimitRows, runRateLimit } from './phases/rateLimit.js';
import { GRAPHILE_SETTINGS, runGraphileOnce, summarize, type GraphileResult } from './phases/graphile.js';
import { measureLimits, measurePublishing, measureRevocation, measureSealing } from './phases/security.js';
import { createRequire } from 'node:module';

/**
 * `npm run bench [-- --quick]`: measures the real gateway against baselines taken in the
 * same run, prints a table of every figure with its baseline and target, and writes the
 * same figures to bench/results/<date>.json. Every process it starts and the embedded
 * PostgreSQL are stopped at the end, whatever happens.
 */

/** Worker settings the bench passes on to the gateway processes when set in its environment. */
const PASSED_ON = ['QUEUE_VACUUM_AFTER', 'WORKER_CONCURRENCY', 'WORKER_ENDPOINT_CONCURRENCY', 'WORKER_BATCH_SIZE', 'WORKER_POLL_MS', 'LEASE_MARGIN_MS', 'RETRY_SCHEDULE'];
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
    PORT: '0',
    HOST: '127.0.0.1',
    ALLOW_PRIVATE_TARGETS: 'true',
    // The bench's receivers are plain http on loopback (production allows https only by default).
    ALLOW_HTTP_TARGETS: 'true',
    DELIVERY_TIMEOUT_MS: String(s.deliveryTimeoutMs),
    NODE_ENV: 'production',
    ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
    ...passed,
  });
  const results: Results = { date: new Date().toISOString(), quick: s.quick, settings: { ...s, only: s.only ? [...s.only] : null, gateway: { concurrency, perEndpoint, batch, ...passed } } };

  try {
    progress('setup', 'starting PostgreSQL and the receiver');
    const pg = await startBenchPostgres(process.env.DATABASE_URL, { pgStats: s.pgStats, settings: s.pgSettings });
    cleanup.push(() => pg.stop());
    results.machine = machine(`${pg.version} (${pg.kind})`);
    const M = s.endpoints;
    const modes: RouteMode[] = [...Array.from({ length: M }, (): RouteMode => 'ok'), 'hang', 'fail'];
    const receiver = await startReceiver(modes);
    cleanup.push(() => receiver.close());
    const healthyUrls = receiver.urls.slice(0, M);
    // Every process the bench started, so that the CPU of other people's processes on this
    // shared machine can be told apart from ours.
    const pids = new Set<number>([receiver.pid, ...(pg.pid ? [pg.pid] : [])]);
    const ownCpuSeconds = () => benchCpuSeconds() + [...pids].reduce((a, pid) => a + (processTreeCpuSeconds(pid) ?? 0), 0);
    results.loads = [];
    /** The machine before a phase: load averages, and a warning when another process holds a core. */
    const phase = async (name: string, text: string) => {
      // With --pg-stats: where the server's time went since the previous phase started.
      const top = await pg.topStatements();
      for (const t of top ?? []) progress('pg-stats', `before ${name}: ${t.ms.toFixed(0).padStart(7)} ms ${String(t.calls).padStart(7)} calls ${String(t.rows).padStart(8)} rows  ${t.query}`);
      const load = await sampleLoad(ownCpuSeconds);
      results.loads!.push({ phase: name, ...load });
      progress(name, `${text} · ${describeLoad(load)}`);
    };
    const startGateway = async (url: string, name: string, env: Record<string, string> = {}): Promise<GatewayProcess> => {
      const g = await startGatewayProcess({ ...workerEnv(url), ...env }, { readyMessage: 'delivery worker started', cpuProfDir: s.cpuProfDir, name });
      pids.add(g.pid);
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
    const payloadJson = runs(s, 'b0') || runs(s, 'graphile') ? await fixturePayload() : '';
    const b0 = async () => {
      await phase('B0', `raw undici loop: ${s.baselineDeliveries} POSTs`);
      const r = await runB0({ receiver, routes: M, total: s.baselineDeliveries, concurrency, perEndpoint, payloadJson });
      results.b0Runs = [...(results.b0Runs ?? []), r];
      if (!results.b0 || r.perSecond > results.b0.perSecond) results.b0 = r;
    };
    if (runs(s, 'b0')) await b0();

    if (runs(s, 'b1')) {
      await phase('B1', `the gateway's SQL without HTTP: ${s.baselineDeliveries} deliveries`);
      const b = await openBenchCore(await pg.createDatabase('bench_b1'));
      try {
        const fixture = await seedFixture(b.core, healthyUrls, 'B1');
        await receiver.take();
        await seedHistory(b.seed, fixture, s.historyDeliveries);
        results.b1 = await runB1({ pool: b.db.pool, fixture, total: s.baselineDeliveries, batch, perEndpoint, loops: 4 });
      } finally {
        await b.close();
        await pg.dropDatabase('bench_b1');
      }
    }

    /** `afterRun`: what runs after each throughput run (graphile-worker's, interleaved with the clean runs). */
    const deliveryPhase = async (name: 'clean' | 'isolation', afterRun?: () => Promise<void>) => {
      const b = await openBenchCore(await pg.createDatabase(`bench_${name}`));
      cleanup.push(() => b.close());
      const urls = name === 'clean' ? healthyUrls : receiver.urls;
      const fixture = await seedFixture(b.core, urls, name);
      await receiver.take();
      await seedHistory(b.seed, fixture, s.historyDeliveries);
      const gateway = await startGateway(b.db.url, name);
      const run: DeliveryRun = { phase: name, bench: b, fixture, receiver, gateway, healthy: M, postgresPid: pg.pid };
      const deliveries = s.events * M;
      await phase(name, `throughput: ${s.events} events × ${urls.length} endpoints${name === 'isolation' ? ' (one hangs, one answers 500)' : ''}`);
      // The clean run is repeated like graphile-worker's and its median counts: on this shared
      // machine one run's figure moves by 20-30 % from one minute to the next.
      const throughputRuns: ThroughputResult[] = [];
      for (let i = 0; i < (name === 'clean' ? s.throughputRuns : 1); i++) {
        throughputRuns.push(await runThroughput(run, s.events, s.publishBatch, s.publishConcurrency, 60_000 + deliveries));
        await afterRun?.();
      }
      const throughput = medianBy(throughputRuns, (r) => r.perSecond);
      const rate = s.latencyRate ?? Math.max(50, (results.clean?.throughput.perSecond ?? throughput.perSecond) * s.latencyLoad);
      await phase(name, `latency: open arrivals at ${Math.round(rate)} healthy deliveries/s for ${s.latencySeconds} s (after ${s.latencyWarmupSeconds} s untimed)`);
      const latency = await runLatency(run, rate, s.latencySeconds, s.latencyWarmupSeconds, 60_000);
      await gateway.stop();
      await b.close();
      await pg.dropDatabase(`bench_${name}`);
      return { throughput, latency, ...(throughputRuns.length > 1 ? { throughputRuns: throughputRuns.map((r) => r.perSecond) } : {}) };
    };
    // graphile-worker doing the same job, its runs interleaved with the gateway's clean runs
    // (gateway, graphile-worker, gateway, …): on this shared machine the speed drifts by 20–40 %
    // within minutes, and runs made one after another would compare two different machines.
    const graphile = runs(s, 'graphile') ? await (async () => {
      const version = (createRequire(import.meta.url)('graphile-worker/package.json') as { version: string }).version;
      const jobs = s.events * M;
      const url = await pg.createDatabase('bench_graphile');
      const worker = await startGatewayProcess({ DATABASE_URL: url, ...GRAPHILE_SETTINGS }, { readyMessage: 'graphile-worker started', cpuProfDir: s.cpuProfDir, name: 'graphile', script: 'dist/bench/children/graphileWorker.js' });
      pids.add(worker.pid);
      cleanup.push(() => worker.stop());
      const done: GraphileResult['runs'] = [];
      /** One more run, unless all of them are done. */
      const runOnce = async () => {
        if (done.length >= s.graphileRuns) return;
        await phase('graphile', `graphile-worker ${version}: ${fmt(jobs)} jobs (one per delivery), run ${done.length + 1} of ${s.graphileRuns}, ${Object.entries(GRAPHILE_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')}`);
        done.push(await runGraphileOnce({ url, worker, receiver, urls: healthyUrls, jobs, batch: s.publishBatch * M, concurrency: s.publishConcurrency, payloadJson, postgresPid: pg.pid, signingKey: B0_SIGNING_KEY }));
      };
      return {
        runOnce,
        finish: async (interleaved: boolean) => {
          while (done.length < s.graphileRuns) await runOnce();
          results.graphile = { ...summarize(version, done), interleaved };
          await worker.stop();
          await pg.dropDatabase('bench_graphile');
        },
      };
    })() : null;
    if (runs(s, 'clean')) results.clean = await deliveryPhase('clean', graphile?.runOnce);
    await graphile?.finish(runs(s, 'clean'));
    if (runs(s, 'isolation')) results.isolation = await deliveryPhase('isolation');
    if (runs(s, 'ratelimit')) {
      const limit = 50;
      const events = s.quick ? 250 : 1_000;
      const b = await openBenchCore(await pg.createDatabase('bench_ratelimit'));
      cleanup.push(() => b.close());
      const fixture = await seedFixture(b.core, healthyUrls.slice(0, 2), 'RateLimit');
      const gateways = [await startGateway(b.db.url, 'ratelimit-0'), await startGateway(b.db.url, 'ratelimit-1')];
      await phase('ratelimit', `${fmt(events)} events to one endpoint limited to ${limit}/s and one without a limit, ${gateways.length} worker processes`);
      results.rateLimit = await runRateLimit({ bench: b, fixture, receiver, gateways, limit, events, publishBatch: s.publishBatch });
      for (const g of gateways) await g.stop();
      await b.close();
      await pg.dropDatabase('bench_ratelimit');
    }
    if (runs(s, 'b0')) await b0();

    // One long attempt history serves the log queries and the scaling phase's history point.
    const scalesHistory = runs(s, 'scaling') && (!s.scaleGroups || s.scaleGroups.has('attempts'));
    if (runs(s, 'logs') || runs(s, 'scaling')) {
      let history: { url: string; rows: number } | null = null;
      if (runs(s, 'logs') || scalesHistory) {
        await phase('logs', `generating ${fmt(s.logRows)} attempt rows`);
        const b = await openBenchCore(await pg.createDatabase('bench_history'), 4);
        cleanup.push(() => b.close());
        const seeded: LogHistory = await seedLogHistory(b, s.logRows);
        if (runs(s, 'logs')) {
          await phase('logs', `log queries on ${fmt(s.logRows)} attempt rows`);
          results.logs = await runLogQueries(b, seeded, s.logRepeats);
        }
        await b.close();
        history = { url: b.db.url, rows: seeded.rows };
      }
      if (runs(s, 'scaling')) {
        results.scaling = await runScaling({
          pg,
          settings: s,
          history,
          ownCpuSeconds,
          startGateways: async (url, n, name) => {
            const gateways: GatewayProcess[] = [];
            for (let i = 0; i < n; i++) gateways.push(await startGateway(url, `${name}-${i}`, { DELIVERY_TIMEOUT_MS: '30000' }));
            return gateways;
          },
        });
      }
      if (history) await pg.dropDatabase('bench_history');
    }

    if (runs(s, 'feed')) {
      await phase('feed', `live feed: ${s.subscribers} subscribers on an api-only gateway process`);
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
        { DATABASE_URL: b.db.url, ROLES: 'api', PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY },
        { readyMessage: 'GraphQL API listening', cpuProfDir: s.cpuProfDir, name: 'feed' },
      );
      cleanup.push(() => gateway.stop());
      results.feed = await runLiveFeed({ bench: b, gateway, gatewayUrl: `http://127.0.0.1:${port}`, accounts, subscribers: s.subscribers, rate: s.feedRate, seconds: s.feedSeconds });
      await gateway.stop();
    }

    if (runs(s, 'security')) {
      await phase('security', `sealing ${fmt(s.sealValues)} values, ${s.revocations} revocations across processes, ${fmt(s.securityPublishes)} publishes × 3 (plain, keyed, replayed)`);
      const b = await openBenchCore(await pg.createDatabase('bench_security'), 8);
      cleanup.push(() => b.close());
      const fixture = await seedFixture(b.core, healthyUrls.slice(0, 1), 'Security');
      await receiver.take();
      const port = await freePort();
      const api = await startGatewayProcess(
        { DATABASE_URL: b.db.url, ROLES: 'api', PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY },
        { readyMessage: 'GraphQL API listening', cpuProfDir: s.cpuProfDir, name: 'security' },
      );
      pids.add(api.pid);
      cleanup.push(() => api.stop());
      results.security = {
        seal: measureSealing(s.sealValues),
        revocation: await measureRevocation(b, fixture, `http://127.0.0.1:${port}`, s.revocations),
        publish: await measurePublishing(b, fixture, s.securityPublishes, s.publishConcurrency),
        limits: measureLimits(s.limitOperations),
      };
      await api.stop();
      await b.close();
      await pg.dropDatabase('bench_security');
    }

    for (const t of (await pg.topStatements(14)) ?? []) progress('pg-stats', `last phase: ${t.ms.toFixed(0).padStart(7)} ms ${String(t.calls).padStart(7)} calls ${String(t.rows).padStart(8)} rows  ${t.query}`);

    results.seconds = Math.round((monoMs() - started) / 1000);
    const cleanPerEndpoint = results.clean ? results.clean.throughput.perSecond / M : null;
    const rows = [...buildRows(results), ...(results.rateLimit ? rateLimitRows(results.rateLimit, cleanPerEndpoint) : [])];
    results.table = rows;
    const title = `Kirisan webhook gateway bench · ${results.date.slice(0, 10)} · ${String(results.machine?.['cores'])} cores (${String(results.machine?.['cpu'])}) · ${s.quick ? 'quick' : 'full'} run, ${results.seconds} s`;
    if (results.scaling) {
      const grid = scalingGrid(results.scaling);
      printGrid('Scaling: each point against its group\'s reference (µs = CPU per delivery; others = cores other processes used before / during the point)', grid.header, grid.rows);
    }
    const loads = (results.loads ?? []).map((l) => `${l.phase} ${l.load1.toFixed(2)}${l.otherCores >= 0.5 ? ` (others ${l.otherCores.toFixed(1)} cores)` : ''}`).join(' · ');
    printTable(`${title}\nLoad average (1 min) before each phase: ${loads}`, rows);
    const file = await writeJson(results as unknown as Record<string, unknown>);
    progress('done', `results written to ${file}`);
    if (rows.some((r) => r.verdict === 'VOID')) {
      process.stdout.write('\nVOID: published ≠ delivered in at least one run (see the rows marked VOID); its figures do not count.\n');
      return 2;
    }
    return 0;
  } catch (e) {
    // What the phases before the failure measured is kept: a long run is not lost to its last phase.
    results.error = e instanceof Error ? e.message : String(e);
    const file = await writeJson(results as unknown as Record<string, unknown>).catch(() => null);
    if (file) progress('failed', `the figures measured before the failure written to ${file}`);
    throw e;
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
