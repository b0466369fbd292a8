import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Api } from 'grammy';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { createCore } from '../src/core/index.js';
import { isCoreError } from '../src/core/errors.js';
import { openDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

/**
 * `npm run link-code -- <accountId>`: prints a one-time code that links a Telegram chat to
 * the account (send `/start <code>` to the bot, or open the printed t.me link). Uses
 * DATABASE_URL, else the embedded PostgreSQL under DATA_DIR: the running gateway's server
 * when there is one, or a short-lived start of it.
 */
async function main(): Promise<number> {
  const accountId = process.argv[2];
  if (!accountId) {
    process.stderr.write('usage: npm run link-code -- <accountId>\n');
    return 64;
  }
  const config = loadConfig();
  const { url, stop } = await database(config);
  const db = await openDatabase(url, { ...config.database, poolMax: 2 });
  const core = createCore({ db, config });
  try {
    const { code, expiresAt } = await core.admins.createLinkCode(accountId);
    const bot = await botUsername(config);
    process.stdout.write(
      [
        `Link code for account ${accountId} (valid until ${expiresAt.toISOString()}, usable once):`,
        '',
        `  /start ${code}`,
        bot ? `  https://t.me/${bot}?start=${code}` : '',
        '',
        'Send the /start line to the bot in the chat to link, or open the link.',
      ]
        .filter((l, i, all) => l !== '' || all[i - 1] !== '')
        .join('\n') + '\n',
    );
    return 0;
  } catch (e) {
    if (!isCoreError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  } finally {
    await core.close();
    await db.close();
    await stop();
  }
}

/** The configured database, or the embedded one (reusing a running gateway's server). */
async function database(config: Config): Promise<{ url: string; stop: () => Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => undefined };
  const dir = path.join(config.dataDir, 'postgres');
  const pidFile = path.join(dir, 'pgdata', 'postmaster.pid');
  if (existsSync(pidFile)) {
    // postmaster.pid: line 1 the pid, line 4 the port.
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(lines[0]);
    if (alive(pid)) return { url: `postgres://postgres:postgres@127.0.0.1:${Number(lines[3])}/postgres`, stop: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort });
  return { url: embedded.url, stop: () => embedded.stop() };
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The bot's username for a t.me deep link, when a token is set and Telegram answers. */
async function botUsername(config: Config): Promise<string | null> {
  if (!config.telegramBotToken) return null;
  try {
    return (await new Api(config.telegramBotToken, { apiRoot: config.bot.apiRoot }).getMe()).username;
  } catch {
    return null;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof ConfigError ? e.message : `link-code failed: ${e instanceof Error ? e.message : String(e)}`}\n`);
    process.exit(e instanceof ConfigError ? 78 : 1);
  },
);
