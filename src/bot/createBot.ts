import { setTimeout as sleep } from 'node:timers/promises';
import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler, type APIThrottlerOptions } from '@grammyjs/transformer-throttler';
import { Bot, session, type StorageAdapter } from 'grammy';
import type { Config } from '../config.js';
import type { Notifier } from '../core/alerts/types.js';
import type { BotCore } from './core.js';
import type { Logger } from '../log.js';
import { identifyChat, requireLinkedChat } from './access.js';
import { COMMANDS, DESCRIPTION, HELP, SHORT_DESCRIPTION } from './commands.js';
import { sessionSchema, type BotContext, type SessionData } from './context.js';
import { errorBoundary } from './errors.js';
import { addFeature } from './features/add.js';
import { deliveryFeature } from './features/delivery.js';
import { alertsFeature } from './features/alerts.js';
import { editDevicesFeature } from './features/editDevices.js';
import { editFeature } from './features/edit.js';
import { endpointStatusFeature } from './features/endpointStatus.js';
import { linkFeature, sessionKey } from './features/link.js';
import { logsFeature } from './features/logs.js';
import { statusFeature } from './features/status.js';
import { testFeature } from './features/test.js';
import { webhooksFeature } from './features/webhooks.js';
import { whyFeature } from './features/why.js';
import { startUpdates, type UpdateSource } from './updates.js';
import { answerOnce } from './errors.js';
import { commandTarget } from './ui.js';
import { createTelegramNotifier } from './notifier.js';

export interface BotOptions {
  log: Logger;
  /** Outgoing rate limits; grammY's throttler defaults follow Telegram's (about 1 message/s per chat). */
  throttle?: APIThrottlerOptions;
}

export interface TelegramBot {
  bot: Bot<BotContext>;
  /** Sends alerts through this bot's API client; works whether or not updates are received here. */
  notifier: Notifier;
  /** `t.me/<bot>?start=<code>`, once the bot knows its username (after its first contact); null before. */
  deepLink(code: string): string | null;
  /**
   * Starts in the background and returns at once: contacts Telegram (each try bounded),
   * registers the commands and starts receiving updates (long polling or webhook). While
   * Telegram cannot be reached it logs a warning and tries again with backoff; nothing else
   * waits for it. `ready` settles when updates are being received (or the bot was stopped).
   */
  start(): void;
  readonly ready: Promise<void>;
  /** Stops trying, stops receiving updates and waits for the update being handled. */
  stop(): Promise<void>;
}

/**
 * The Telegram admin bot: one Composer per feature behind one error boundary. Features parse,
 * call core with the chat's account, and render; every rule is core's.
 */
export function createBot(config: Config, core: BotCore, opts: BotOptions): TelegramBot {
  const token = config.telegramBotToken;
  if (!token) throw new Error('createBot needs TELEGRAM_BOT_TOKEN');
  const bot = new Bot<BotContext>(token, { client: { apiRoot: config.bot.apiRoot } });
  // The last transformer installed runs first: a 429 retried by auto-retry queues again
  // behind the throttler instead of jumping it.
  bot.api.config.use(apiThrottler(opts.throttle));
  // Network errors are not retried here (auto-retry would retry them forever, holding up
  // whoever awaits the call): start-up retries with its own backoff, an alert that cannot be
  // sent is logged.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));

  const storage: StorageAdapter<SessionData> = {
    read: async (key) => {
      const parsed = sessionSchema.safeParse(await core.admins.sessions.read(key));
      return parsed.success ? parsed.data : undefined;
    },
    // A part set to undefined is left out (stored as JSON it would come back as null, which the
    // schema refuses, and the whole session would be lost); an empty session is no row at all.
    write: (key, value) => {
      const kept = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
      return Object.keys(kept).length ? core.admins.sessions.write(key, kept) : core.admins.sessions.delete(key);
    },
    delete: (key) => core.admins.sessions.delete(key),
  };

  // For metrics: outside the boundary, so `ok: false` means a failure escaped it.
  bot.use(async (ctx, next) => {
    const t0 = performance.now();
    let ok = false;
    try {
      await next();
      ok = true;
    } finally {
      core.events.emit('bot:update', { kind: updateKind(ctx.update), ok, durationMs: performance.now() - t0 });
    }
  });
  const guarded = bot.errorBoundary(errorBoundary(opts.log));
  guarded.use(answerOnce);
  guarded.use(identifyChat(core));
  guarded.use(linkFeature(core));
  guarded.use(requireLinkedChat);
  guarded.use(
    session({
      initial: (): SessionData => ({}),
      storage,
      getSessionKey: (ctx) => (ctx.chat && ctx.from ? sessionKey(String(ctx.chat.id), String(ctx.from.id)) : undefined),
    }),
  );
  guarded.use(addFeature(core), webhooksFeature(core), deliveryFeature(core), editFeature(core), editDevicesFeature(core), endpointStatusFeature(core), testFeature(core), logsFeature(core), whyFeature(core), statusFeature(core), alertsFeature(core));
  guarded.command('cancel', (ctx) => ctx.reply('Nothing to cancel.'));
  guarded.on('callback_query:data', (ctx) => ctx.answerCallbackQuery({ text: 'This button is no longer valid.' }));
  guarded.on('message:text', async (ctx) => {
    // Another bot's command, or group chatter, is not ours to answer.
    const target = commandTarget(ctx);
    if (target === 'us' || (target === null && ctx.chat.type === 'private')) await ctx.reply(`I did not get that.\n\n${HELP}`);
  });
  // Errors outside the boundary (none expected): logged, the loop goes on.
  bot.catch((err) => opts.log.error({ err: err.error }, 'bot middleware failed'));

  let source: UpdateSource | null = null;
  const stopped = new AbortController();
  let running: Promise<void> | null = null;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));

  async function contact(): Promise<void> {
    let delayMs = FIRST_RETRY_MS;
    while (!stopped.signal.aborted) {
      try {
        // grammY types its signals with the abort-controller shim's AbortSignal; Node's is the same at run time.
        const signal = AbortSignal.any([stopped.signal, AbortSignal.timeout(config.bot.connectTimeoutMs)]) as unknown as Parameters<typeof bot.init>[0];
        await bot.init(signal);
        await bot.api.setMyCommands(
          COMMANDS.map((c) => ({ command: c.command, description: c.description })),
          undefined,
          signal,
        );
        // What Telegram shows before the first /start (profile and empty chat), and in shares.
        await bot.api.setMyDescription(DESCRIPTION, undefined, signal);
        await bot.api.setMyShortDescription(SHORT_DESCRIPTION, undefined, signal);
        source = await startUpdates(bot, config, opts.log);
        opts.log.info({ bot: bot.botInfo.username, mode: config.bot.mode.kind }, 'Telegram bot started');
        return;
      } catch (e) {
        if (stopped.signal.aborted) return;
        opts.log.warn({ err: e, retryInMs: delayMs }, 'Telegram cannot be reached; the bot keeps trying (the API and delivery do not wait for it)');
        await sleep(delayMs, undefined, { signal: stopped.signal }).catch(() => undefined);
        delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
      }
    }
  }

  return {
    bot,
    notifier: createTelegramNotifier(bot.api, core),
    ready,
    deepLink: (code) => (bot.isInited() ? `https://t.me/${bot.botInfo.username}?start=${encodeURIComponent(code)}` : null),
    start() {
      running ??= contact().finally(markReady);
    },
    async stop() {
      stopped.abort();
      await running;
      await source?.stop();
      source = null;
    },
  };
}

/** Backoff between tries of the first contact with Telegram, ms. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/** The update's type (message, callback_query, …): a small fixed set, fit for a metric label. */
function updateKind(update: object): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}
