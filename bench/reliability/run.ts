import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, startReceiver } from './parts.js';
import { coldStart, databaseOutage, gracefulStop, killWorkers, telegramUnreachable, type Row } from './scenarios.js';

/**
 * `npm run reliability`: breaks the gateway on purpose with real processes, a real PostgreSQL
 * and a real receiver, and prints what was injected, how many events, how many were lost and
 * sent twice, and why, with the timings the tests leave out. `--quick` shortens the outages.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const db = await startPostgres();
  const rx = await startReceiver();
  const rows: Row[] = [];
  const run = async (name: string, f: () => Promise<Row>) => {
    process.stdout.write(`… ${name} (load average ${load()})\n`);
    const row = await f();
    rows.push({ ...row, figures: { ...row.figures, loadAverageAfter: load() } });
    process.stdout.write(`  ${JSON.stringify(row)}\n`);
  };
  try {
    await run('graceful stop', () => gracefulStop(db, rx));
    await run('SIGKILL of workers', () => killWorkers(db, rx));
    await run('PostgreSQL stopped hard', () => databaseOutage(db, rx, 'stopped', quick ? 5_000 : 15_000));
    await run('PostgreSQL frozen', () => databaseOutage(db, rx, 'frozen', quick ? 5_000 : 20_000));
    await run('cold start', () => coldStart(db, quick ? 2 : 5));
    await run('Telegram unreachable', () => telegramUnreachable(db));
  } finally {
    await rx.close();
    await db.close();
  }
  const lines = [
    '| Scenario | Injected | Events | Lost | Sent twice | Why | Figures |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.injected} | ${r.events} | ${r.lost} | ${r.duplicates} | ${r.why} | ${Object.entries(r.figures).map(([k, v]) => `${k} ${v}`).join('; ')} |`),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const dir = path.resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `reliability-${new Date().toISOString().slice(0, 10)}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), cores: os.cpus().length, node: process.version, rows }, null, 2));
  process.stdout.write(`\nsaved ${file}\n`);
  if (rows.some((r) => r.lost > 0)) process.exitCode = 2;
}

main().catch((e: unknown) => {
  process.stderr.write(`reliability run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
