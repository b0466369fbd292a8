import type { Config } from '../config.js';
import type { CliCore } from './core.js';
import type { Database } from '../db/database.js';
import { queueDepth } from '../db/sql/queueDepth.js';

/** What a command works with. */
export interface CliContext {
  core: CliCore;
  db: Database;
  config: Config;
  /** Migrations applied when the database was opened (as the gateway does at start). */
  applied: string[];
}

/** A command's result: data for --json, and the same in words. */
export interface Output {
  data: unknown;
  text: string;
}

export interface Command {
  /** e.g. "keys revoke" */
  name: string;
  args: string[];
  summary: string;
  run(ctx: CliContext, args: string[], flags: { label?: string }): Promise<Output>;
}

const lines = (...l: Array<string | false | null | undefined>) => l.filter((x) => x !== false && x != null).join('\n');

export const COMMANDS: Command[] = [
  {
    name: 'accounts create',
    args: ['<name>'],
    summary: 'creates an account and its first API key (shown once)',
    async run({ core }, [name]) {
      const { account, apiKey } = await core.accounts.create({ name: name! });
      return { data: { account, apiKey }, text: lines(`Account ${account.name} created.`, `  Account id: ${account.id}`, `  API key:    ${apiKey}   (shown once: keep it)`) };
    },
  },
  {
    name: 'accounts list',
    args: [],
    summary: 'lists every account with its id',
    async run({ core }) {
      const accounts = await core.accounts.list();
      return { data: { accounts }, text: accounts.length ? accounts.map((a) => `${a.id}  ${a.name}`).join('\n') : 'No accounts yet.' };
    },
  },
  {
    name: 'keys create',
    args: ['<accountId>'],
    summary: 'creates another API key for the account (--label <text>; the way back in when a key is lost)',
    async run({ core }, [accountId], flags) {
      const { key, apiKey } = await core.accounts.createApiKey(accountId!, { label: flags.label ?? 'cli' });
      return { data: { key, apiKey }, text: lines(`API key ${key.label} (${key.id}) created:`, `  ${apiKey}   (shown once: keep it)`) };
    },
  },
  {
    name: 'keys list',
    args: ['<accountId>'],
    summary: 'lists the account\'s API keys (prefix only; keys are stored hashed)',
    async run({ core }, [accountId]) {
      const account = await core.accounts.get(accountId!);
      const keys = await core.accounts.listApiKeys(account.id);
      return {
        data: { account, keys },
        text: lines(`API keys of ${account.name}:`, ...keys.map((k) => `  ${k.id}  ${k.prefix}…  ${k.label.padEnd(12)} created ${k.createdAt.toISOString()}${k.revokedAt ? `  revoked ${k.revokedAt.toISOString()}` : ''}`)),
      };
    },
  },
  {
    name: 'keys revoke',
    args: ['<accountId>', '<keyId>'],
    summary: 'revokes an API key at once (not the account\'s last live one)',
    async run({ core }, [accountId, keyId]) {
      const key = await core.accounts.revokeApiKey(accountId!, keyId!);
      return { data: { key }, text: `API key ${key.label} (${key.prefix}…) revoked at ${key.revokedAt?.toISOString()}: requests with it are refused from now on.` };
    },
  },
  {
    name: 'link-code',
    args: ['<accountId>'],
    summary: 'a one-time code that links a Telegram chat to the account as an admin chat',
    async run({ core, config }, [accountId]) {
      const { code, expiresAt } = await core.admins.createLinkCode(accountId!);
      const bot = await botUsername(config);
      const link = bot ? `https://t.me/${bot}?start=${code}` : null;
      return {
        data: { code, expiresAt, command: `/start ${code}`, link },
        text: lines(
          `Link code for account ${accountId} (valid until ${expiresAt.toISOString()}, usable once):`,
          '',
          `  /start ${code}`,
          link && `  ${link}`,
          '',
          'Send the /start line to the bot in the chat to link, or open the link.',
        ),
      };
    },
  },
  {
    name: 'migrate',
    args: [],
    summary: 'applies pending database migrations (the gateway also does this at start)',
    async run({ applied }) {
      return { data: { applied }, text: applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join('\n')}` : 'The database is up to date: no migration was pending.' };
    },
  },
  {
    name: 'status',
    args: ['[accountId]'],
    summary: 'queue depth, and the endpoints failing now (of one account, or of all)',
    async run({ core, db }, [accountId]) {
      const queue = await queueDepth(db.pool);
      const accounts = accountId ? [await core.accounts.get(accountId)] : await core.accounts.list();
      const failing = [];
      for (const a of accounts) {
        const report = await core.alerts.status(a.id);
        for (const f of report.failing) failing.push({ accountId: a.id, account: a.name, ...f });
      }
      return {
        data: { queue, failing },
        text: lines(
          `Queue: ${queue.due} due, ${queue.leased} in flight, ${queue.retrying} waiting to retry, ${queue.parked} parked (endpoint paused or not Active).`,
          queue.due ? `  The oldest due delivery has waited ${queue.oldestDueAgeSeconds.toFixed(1)} s.` : null,
          failing.length ? `Failing endpoints (newest live attempt failed, last 24 h): ${failing.length}` : 'No endpoint is failing (last 24 h).',
          ...failing.map(
            (f) =>
              `  ${f.account} · ${f.name} · ${f.url} — ${f.failures} failure(s), last ${f.lastFailureAt.toISOString()} (${f.httpCode ? `HTTP ${f.httpCode}` : (f.errorCode ?? 'error')})${f.diagnosis ? `\n    Cause: ${f.diagnosis.cause}\n    Fix:   ${f.diagnosis.fix}` : ''}${f.mutedUntil ? `\n    Alerts muted until ${f.mutedUntil.toISOString()}` : ''}`,
          ),
        ),
      };
    },
  },
];

/** The bot's username for a t.me deep link, when a token is set and Telegram answers. */
async function botUsername(config: Config): Promise<string | null> {
  if (!config.telegramBotToken) return null;
  try {
    const { Api } = await import('grammy');
    return (await new Api(config.telegramBotToken, { apiRoot: config.bot.apiRoot }).getMe()).username;
  } catch {
    return null;
  }
}

/** What the user typed wrong; printed with the usage. */
export class UsageError extends Error {}

/** Required arguments are present (optional ones are in brackets). */
export function checkArgs(command: Command, args: string[]): void {
  const required = command.args.filter((a) => a.startsWith('<'));
  if (args.length < required.length) throw new UsageError(`${required[args.length]} is required: ${usageOf(command)}`);
  if (args.length > command.args.length) throw new UsageError(`too many arguments: ${usageOf(command)}`);
}

export const usageOf = (c: Command) => `kirisan ${c.name}${c.args.length ? ` ${c.args.join(' ')}` : ''}`;
