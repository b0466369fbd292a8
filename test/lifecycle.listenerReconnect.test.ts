import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener, type Listener } from '../src/db/listener.js';
import { createAttemptFeed } from '../src/core/logs/feed.js';
import type { AttemptView } from '../src/core/logs/attempts.js';
import { startWorker } from '../src/core/dispatch/worker.js';
import { createSender } from '../src/core/dispatch/sender.js';
import { createVault, parseKey } from '../src/core/security/vault.js';
import { eventually, saveActive, seedAccount, startTestGateway, TEST_ENCRYPTION_KEY, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { startTcpProxy } from './helpers/tcpProxy.js';

/**
 * The LISTEN connection goes through a proxy that the test cuts: notifications sent while it is
 * down are lost for good, so what matters is what happens when it comes back.
 */
let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let listener: Listener;
let proxiedUrl: string;

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] });
  const direct = new URL(gw.url);
  proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
  const proxied = new URL(gw.url);
  proxied.port = String(proxy.port);
  proxiedUrl = proxied.toString();
});
afterAll(async () => {
  await listener?.close();
  await proxy.close();
  await gw.close();
  await rx.close();
});

const publish = () => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });

describe('the LISTEN connection lost and back', () => {
  it('the live log catches up on attempts recorded while it was away, and workers look for work at once', async () => {
    listener = createListener(proxiedUrl, { settings: gw.config.database, heartbeatMs: 100 });
    const reconnects: number[] = [];
    listener.onReconnect(() => reconnects.push(proxy.connections()));
    const feed = createAttemptFeed({ pool: gw.db.pool, listener, diagnosis: gw.config.delivery });
    const seen: AttemptView[] = [];
    feed.subscribe(acct.accountId, null, (a) => seen.push(a));
    // A worker that only learns of work through this listener: its poll is far beyond the test.
    const sender = createSender({ targets: gw.core.ctx.targets, connectionsPerOrigin: 4, responseBodyLimit: 1024 });
    const worker = startWorker({ pool: gw.db.pool, listener, sender, settings: { ...gw.config.delivery, pollMs: 3_600_000 }, events: gw.core.events, vault: createVault({ current: parseKey(TEST_ENCRYPTION_KEY) }), webhookIds: gw.core.ctx.webhookIds });
    try {
      await listener.ready();
      await publish();
      await eventually(() => seen.length === 1, 'the first attempt, live');

      proxy.cut();
      // While the listener is away: an attempt recorded and an event published, both announced
      // to nobody.
      const [target] = await gw.core.tests.targets(acct.accountId);
      const missed = await gw.core.tests.send(acct.accountId, target!.id);
      const received = rx.received.length;
      await publish();
      proxy.restore();
      await eventually(() => reconnects.length > 0, 'the reconnect');
      await eventually(() => seen.some((a) => a.id === missed.attemptId), 'the missed attempt, caught up');
      await rx.waitFor(received + 1); // the event published meanwhile: claimed on the reconnect

      // Published after the reconnect: claimed at once on the new connection (the poll would take an hour).
      const before = rx.received.length;
      await publish();
      await rx.waitFor(before + 1);
      expect(new Set(seen.map((a) => a.id)).size).toBe(seen.length); // nothing twice
    } finally {
      await worker.stop(0);
      await sender.close();
      feed.close();
    }
  });
});
