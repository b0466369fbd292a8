import { createServer } from 'node:http';
import { webhookCallback, type Bot } from 'grammy';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { BotContext } from './context.js';

export interface UpdateSource {
  stop(): Promise<void>;
}

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/**
 * How updates arrive. Long polling: one process only (Telegram refuses two getUpdates
 * loops). Webhook: Telegram posts to TELEGRAM_WEBHOOK_URL, any number of processes may serve
 * it; requests without the secret token are refused with 401.
 */
export async function startUpdates(bot: Bot<BotContext>, config: Config, log: Logger): Promise<UpdateSource> {
  const mode = config.bot.mode;
  if (mode.kind === 'polling') {
    let loop: Promise<void> = Promise.resolve();
    await new Promise<void>((resolve, reject) => {
      loop = bot.start({ allowed_updates: [...ALLOWED_UPDATES], onStart: () => resolve() });
      loop.catch((e: unknown) => {
        log.error({ err: e }, 'Telegram long polling stopped');
        reject(e);
      });
    });
    return {
      async stop() {
        if (bot.isRunning()) await bot.stop();
        // bot.stop() ends the poll; the loop ends after the update being handled.
        await loop.catch(() => undefined);
      },
    };
  }

  const handle = webhookCallback(bot, 'http', { secretToken: mode.secretToken, onTimeout: 'return', timeoutMilliseconds: 10_000 });
  const path = new URL(mode.url).pathname;
  const pending = new Set<Promise<unknown>>();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    const p = handle(req, res).catch((e: unknown) => {
      log.error({ err: e }, 'Telegram webhook update failed');
      // Answered anyway: a failing update retried by Telegram would only fail again.
      if (!res.headersSent) res.writeHead(200).end();
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(mode.port, config.host, resolve));
  await bot.api.setWebhook(mode.url, { secret_token: mode.secretToken, allowed_updates: [...ALLOWED_UPDATES] });
  return {
    async stop() {
      // The webhook stays set: other processes may still be serving it.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.allSettled([...pending]);
    },
  };
}
