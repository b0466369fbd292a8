import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptView } from '../src/core/logs/attempts.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startGatewayProcess } from './helpers/processes.js';
import { firstRequestPasses, startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let other: Awaited<ReturnType<typeof seedAccount>>;

const activate = (accountId: string, deviceId: string, path: string) =>
  saveActive(gw.core, accountId, { name: path, url: `${rx.url}${path}`, deviceIds: [deviceId], events: ['submission'] });

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startReceiver(firstRequestPasses((req, res) => res.writeHead(req.path.endsWith('/fail') ? 503 : 200).end()));
  acct = await seedAccount(gw.core, 'Acme');
  other = await seedAccount(gw.core, 'Other');
  await activate(acct.accountId, acct.wa.id, '/acme/ok');
  await activate(acct.accountId, acct.tg.id, '/acme/fail');
  await activate(other.accountId, other.tg.id, '/other/fail');
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

describe('the live log feed', () => {
  it('a subscriber gets exactly the matching attempts made by another gateway process, and nothing of another account', async () => {
    const got: Array<{ a: AttemptView }> = [];
    const all: AttemptView[] = [];
    const offFailed = gw.feed.subscribe(acct.accountId, { statuses: ['failed'] }, (a) => got.push({ a }));
    const offAll = gw.feed.subscribe(acct.accountId, null, (a) => all.push(a));
    const worker = await startGatewayProcess({
      DATABASE_URL: gw.url,
      ROLES: 'workers',
      ALLOW_PRIVATE_TARGETS: 'true',
      RETRY_SCHEDULE: 'none',
      WORKER_POLL_MS: '100',
    });
    try {
      const publish = (accountId: string, device: typeof acct.wa) =>
        gw.core.dispatch.publish(accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });
      for (let i = 0; i < 3; i++) {
        await publish(acct.accountId, acct.wa);
        await publish(acct.accountId, acct.tg);
        await publish(other.accountId, other.tg);
      }
      await eventually(() => all.length === 6, 'six attempts of the account');
      // A fence: one more attempt of the account, announced after all the others; anything
      // extra (a duplicate, another account's attempt) would have been pushed before it. How
      // fast attempts are pushed is measured by `npm run bench` (live feed phase), not here.
      await publish(acct.accountId, acct.wa);
      await eventually(() => all.length >= 7, 'the fence attempt');
      expect(all).toHaveLength(7);
      expect(new Set(all.map((a) => a.id)).size).toBe(7);
      expect(got.map((g) => g.a.url)).toEqual(Array(3).fill(`${rx.url}/acme/fail`));
      expect(got.every((g) => g.a.outcome === 'failed' && g.a.httpCode === 503 && g.a.diagnosis?.code === 'overloaded')).toBe(true);
    } finally {
      offFailed();
      offAll();
      await worker.stop();
    }
  });

  it('test attempts are published on the feed too', async () => {
    const seen: AttemptView[] = [];
    const off = gw.feed.subscribe(acct.accountId, { test: true }, (a) => seen.push(a));
    try {
      const [target] = await gw.core.tests.targets(acct.accountId);
      const r = await gw.core.tests.send(acct.accountId, target!.id);
      await eventually(() => seen.length === 1, 'the test attempt');
      expect(seen[0]!.id).toBe(r.attemptId);
    } finally {
      off();
    }
  });
});
