import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { eventually } from './helpers/gateway.js';
import { createTestDatabase } from './helpers/db.js';
import { startGatewayProcess } from './helpers/processes.js';
import { TEST_TOKEN, startFakeTelegram } from './helpers/telegramServer.js';

/**
 * The bot never holds up the API or the workers. Telegram "unreachable" the hard way: a server
 * that accepts the connection and never answers (a firewall that drops, a proxy that hangs).
 */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let blackHole: net.Server;
let blackHoleUrl: string;

beforeAll(async () => {
  db = await createTestDatabase();
  blackHole = net.createServer(() => undefined); // accepts, reads nothing, answers nothing
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  blackHoleUrl = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
});
afterAll(async () => {
  blackHole.close();
  await db.drop();
});

describe('Telegram unreachable at start', () => {
  it('the API and the workers are ready while the bot keeps trying, with a clear warning', async () => {
    const gw = await startGatewayProcess(
      {
        DATABASE_URL: db.url,
        ROLES: 'api,workers,bot',
        PORT: '0',
        HOST: '127.0.0.1',
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: blackHoleUrl,
        TELEGRAM_CONNECT_TIMEOUT_MS: '500',
      },
      'gateway ready',
    );
    try {
      const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(gw.output())![1]!;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(gw.output()).toContain('delivery worker started');
      expect(gw.output()).not.toContain('Telegram bot started');
      await eventually(() => gw.output().includes('Telegram cannot be reached; the bot keeps trying'), 'the warning');
    } finally {
      await gw.stop();
    }
  });

  it('once Telegram answers, the bot starts by itself', async () => {
    const port = await freePort();
    const gw = await startGatewayProcess(
      {
        DATABASE_URL: db.url,
        ROLES: 'bot',
        PORT: '0',
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`, // nothing listens there yet: refused
        TELEGRAM_CONNECT_TIMEOUT_MS: '500',
      },
      'gateway ready',
    );
    const tg = await (async () => {
      await eventually(() => gw.output().includes('Telegram cannot be reached'), 'the warning');
      return startFakeTelegram({ port });
    })();
    try {
      await eventually(() => gw.output().includes('Telegram bot started'), 'the bot started');
      expect(tg.calls.some((c) => c.method === 'setMyCommands')).toBe(true);
    } finally {
      await gw.stop();
      await tg.close();
    }
  });
});
