#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { createCore } from '../core/index.js';
import { isCoreError } from '../core/errors.js';
import { openDatabase } from '../db/database.js';
import { readInstallationId } from '../db/sql/installation.js';
import { migrate } from '../db/migrate.js';
import { loadEnvFile } from '../envFile.js';
import { cliDatabase, type CliDatabase } from './database.js';
import { checkArgs, COMMANDS, usageOf, UsageError, type Command, type Output } from './commands.js';

/** Exit codes (sysexits): what went wrong, for scripts. */
const EXIT = { ok: 0, refused: 1, usage: 64, unavailable: 69, config: 78 } as const;

const HELP = [
  'kirisan: the webhook gateway\'s admin CLI (npm run kirisan -- <command>, or `kirisan` in the image)',
  '',
  'Commands:',
  ...COMMANDS.map((c) => `  ${usageOf(c).slice('kirisan '.length).padEnd(34)} ${c.summary}`),
  '',
  'Options: --json (machine-readable output), --label <text> (keys create), --help',
  'Database: DATABASE_URL when set, else the embedded PostgreSQL under DATA_DIR (the running',
  'gateway\'s, or started for the command). Settings are read from .env as by the gateway.',
].join('\n');

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, label: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return fail(new UsageError((e as Error).message), false);
  }
  const { values, positionals } = parsed;
  const json = values.json === true;
  if (values.help || !positionals.length) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const command = findCommand(positionals);
  if (!command) return fail(new UsageError(`unknown command: ${positionals.join(' ')}`), json);
  const args = positionals.slice(command.name.split(' ').length);

  let config;
  try {
    loadEnvFile();
    config = loadConfig();
    checkArgs(command, args);
  } catch (e) {
    return fail(e, json);
  }
  let where: CliDatabase | null = null;
  try {
    where = await cliDatabase(config);
    const unreachable = (e: unknown) => {
      throw new Unavailable(`could not reach ${where!.where}: ${(e as Error).message}`);
    };
    // As the gateway does at start (under the same advisory lock): a fresh database gets its schema first.
    const applied = await migrate(where.url, config.database).catch(unreachable);
    const db = await openDatabase(where.url, { ...config.database, poolMax: 2, ormPoolMax: 2 }).catch(unreachable);
    const core = createCore({ db, config, installation: await readInstallationId(db.pool) });
    try {
      const out: Output = await command.run({ core, db, config, applied }, args, { label: values.label });
      process.stdout.write(json ? `${JSON.stringify(out.data, null, 2)}\n` : `${out.text}\n`);
      return EXIT.ok;
    } finally {
      await core.close();
      await db.close();
    }
  } catch (e) {
    return fail(e, json);
  } finally {
    await where?.release().catch(() => undefined);
  }
}

class Unavailable extends Error {}

function findCommand(positionals: string[]): Command | undefined {
  return COMMANDS.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => positionals[i] === w);
  });
}

/** Prints the error in words (or as JSON with a stable code) and returns the exit code. */
function fail(e: unknown, json: boolean): number {
  const [code, message, exit, field]: [string, string, number, string | undefined] = isCoreError(e)
    ? [e.code, e.message, EXIT.refused, e.field]
    : e instanceof UsageError
      ? ['USAGE', `${e.message}\n\n${HELP}`, EXIT.usage, undefined]
      : e instanceof ConfigError
        ? ['CONFIG', e.message, EXIT.config, undefined]
        : e instanceof Unavailable
          ? ['DATABASE_UNAVAILABLE', e.message, EXIT.unavailable, undefined]
          : ['INTERNAL', `failed: ${e instanceof Error ? e.message : String(e)}`, EXIT.refused, undefined];
  if (json) process.stderr.write(`${JSON.stringify({ error: { code, message: e instanceof UsageError ? e.message : message, ...(field ? { field } : {}) } })}\n`);
  else process.stderr.write(`error: ${message}\n`);
  return exit;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => process.exit(fail(e, process.argv.includes('--json'))),
);
