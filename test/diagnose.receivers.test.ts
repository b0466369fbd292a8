import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender } from '../src/core/dispatch/sender.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * Honest diagnoses against real servers on loopback: when the connection worked but what
 * answered is not HTTP, sends headers larger than the gateway reads, or fails the TLS
 * handshake, the attempt says so in its own words — not "could not connect" — and a timeout
 * quotes the timeout in force.
 */

/** A TCP server that answers every connection with `reply` (bytes, not HTTP). */
async function rawServer(reply: (s: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', () => reply(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sender = createSender({ targets: { allowPrivate: true, resolve: async () => [] }, connectionsPerOrigin: 2, responseBodyLimit: 100 });
const post = (url: string) => sender.post({ url, body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });

let ssh: Awaited<ReturnType<typeof rawServer>>;
let bigHeaders: Awaited<ReturnType<typeof rawServer>>;
let rx: Receiver;
beforeAll(async () => {
  ssh = await rawServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'));
  bigHeaders = await rawServer((s) => s.end(`HTTP/1.1 200 OK\r\nX-Debug: ${'x'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\nok`));
  rx = await startReceiver();
});
afterAll(async () => {
  await sender.close();
  await ssh.close();
  await bigHeaders.close();
  await rx.close();
});

describe('what the connection got, classified by stage', () => {
  it('a server that is not HTTP (SSH on that port): not_http', async () => {
    expect(await post(`http://127.0.0.1:${ssh.port}/hook`)).toMatchObject({ ok: false, httpCode: null, errorCode: 'not_http' });
  });

  it('response headers over 16 KB: headers_too_large', async () => {
    expect(await post(`http://127.0.0.1:${bigHeaders.port}/hook`)).toMatchObject({ ok: false, httpCode: null, errorCode: 'headers_too_large' });
  });

  it('https:// to a port that does not speak TLS: tls', async () => {
    expect(await post(`https://127.0.0.1:${rx.port}/hook`)).toMatchObject({ ok: false, httpCode: null, errorCode: 'tls' });
  });
});

describe('the diagnoses a person reads', () => {
  let gw: TestGateway;
  let acct: Awaited<ReturnType<typeof seedAccount>>;
  beforeAll(async () => {
    gw = await startTestGateway({ DELIVERY_TIMEOUT_MS: '700', TEST_TIMEOUT_MS: '1500', RETRY_SCHEDULE: 'none' });
    acct = await seedAccount(gw.core);
    gw.startWorker();
  });
  afterAll(() => gw.close());

  /** Saves a webhook (activated on the working receiver), points it at `url`, publishes once, and returns the attempt. */
  async function liveAttemptAt(url: string) {
    const saved = await saveActive(gw.core, acct.accountId, { name: url, url: `${rx.url}/ok`, deviceIds: [acct.wa.id], events: ['submission'] });
    await gw.db.pool.query('update endpoint set url = $1 where webhook_id = $2', [url, saved.webhookId]);
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    const page = await eventually(async () => {
      const p = await gw.core.logs.list(acct.accountId, { filter: { endpointId: saved.endpoints[0]!.id, test: false } });
      return p.items.length ? p : undefined;
    }, `an attempt at ${url}`);
    await gw.core.webhooks.delete(acct.accountId, saved.webhookId);
    return gw.core.logs.get(acct.accountId, page.items[0]!.id);
  }

  it.each([
    ['not HTTP', () => `http://127.0.0.1:${ssh.port}/hook`, 'not_http', 'not an HTTP server'],
    ['headers too large', () => `http://127.0.0.1:${bigHeaders.port}/hook`, 'headers_too_large', 'over 16 KB'],
    ['TLS failure', () => `https://127.0.0.1:${rx.port}/hook`, 'tls', 'TLS handshake failed'],
  ])('%s: its own code and words, never "could not connect"', async (_what, url, code, words) => {
    const attempt = await liveAttemptAt(url());
    expect(attempt.errorCode).toBe(code);
    expect(attempt.diagnosis).toMatchObject({ code, cause: expect.stringContaining(words) });
    expect(attempt.diagnosis!.cause).not.toContain('could not connect');
  });

  it('a timeout quotes DELIVERY_TIMEOUT_MS live and TEST_TIMEOUT_MS for a test', async () => {
    rx.respondWith((req, res) => (req.path === '/hang' ? undefined : res.writeHead(200).end('ok')));
    try {
      const live = await liveAttemptAt(`${rx.url}/hang`);
      expect(live.diagnosis).toMatchObject({ code: 'timeout', cause: expect.stringContaining('within 700 ms') });
      const saved = await gw.core.webhooks.save(acct.accountId, { name: 'hang', url: `${rx.url}/hang`, deviceIds: [acct.wa.id], events: ['submission'] });
      const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
      const test = await gw.core.tests.send(acct.accountId, target!.id);
      expect(test.diagnosis).toMatchObject({ code: 'timeout', cause: expect.stringContaining('within 1.5 s') });
    } finally {
      rx.respondWith((_req, res) => res.writeHead(200).end('ok'));
    }
  });
});

describe('the troubleshooting checklist judges the URL as deliveries do', () => {
  let gw: TestGateway;
  let acct: Awaited<ReturnType<typeof seedAccount>>;
  let endpointId: string;
  beforeAll(async () => {
    // The test settings: ALLOW_PRIVATE_TARGETS=true, and plain http allowed outside production.
    gw = await startTestGateway();
    acct = await seedAccount(gw.core);
    gw.startWorker();
    const saved = await saveActive(gw.core, acct.accountId, { name: 'local', url: `${rx.url}/local`, deviceIds: [acct.wa.id], events: ['submission'] });
    endpointId = saved.endpoints[0]!.id;
    await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    await eventually(async () => (await gw.core.logs.list(acct.accountId, { filter: { endpointId, test: false } })).items.some((a) => a.outcome === 'success'), 'a live delivery that succeeded');
  });
  afterAll(() => gw.close());

  const check = (r: { checks: Array<{ check: string }> }, name: string) => r.checks.find((c) => c.check === name);

  it('a plain-http loopback endpoint that delivers is healthy where ALLOW_HTTP_TARGETS and ALLOW_PRIVATE_TARGETS allow it, and says which setting does', async () => {
    const report = await gw.core.diagnose.troubleshoot(acct.accountId, { endpointId });
    expect(check(report, 'url_https')).toMatchObject({ passed: true, detail: expect.stringContaining('ALLOW_HTTP_TARGETS') });
    expect(check(report, 'url_public')).toMatchObject({ passed: true, detail: expect.stringContaining('ALLOW_PRIVATE_TARGETS') });
    expect(report.healthy).toBe(true);
  });

  it('the same endpoint fails both checks under settings that refuse it, as its deliveries would be refused', async () => {
    const strict = await startTestGateway({ ALLOW_PRIVATE_TARGETS: 'false', ALLOW_HTTP_TARGETS: 'false' }, { url: gw.url });
    try {
      const report = await strict.core.diagnose.troubleshoot(acct.accountId, { endpointId });
      expect(check(report, 'url_https')).toMatchObject({ passed: false, action: 'edit_url' });
      expect(check(report, 'url_public')).toMatchObject({ passed: false, action: 'edit_url' });
      expect(report.healthy).toBe(false);
    } finally {
      await strict.close();
    }
  });
});
