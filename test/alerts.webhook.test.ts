import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueAlerts } from '../src/core/alerts/queue.js';
import { inTransaction } from '../src/db/transaction.js';
import { gqlClient, ok, startApiGateway } from './helpers/api.js';
import { eventually, saveActive, seedAccount } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/**
 * The alert webhook ("operational webhook", as Svix and Convoy call it): an account sets a URL
 * through GraphQL and gets every alert there as a Standard Webhooks POST, signed with a key
 * shown once, which a receiver verifies with the `standardwebhooks` package.
 */

let gw: Awaited<ReturnType<typeof startApiGateway>>;
let rx: Receiver;
let hooks: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let gql: ReturnType<typeof gqlClient>;
let failing = true;
/** How many alert POSTs to refuse with 503 before taking them. */
let refuseAlerts = 0;

beforeAll(async () => {
  rx = await startReceiver((req, res) => (failing && req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? res.writeHead(500).end('boom') : res.writeHead(200).end('ok')));
  hooks = await startReceiver((_req, res) => {
    if (refuseAlerts > 0) {
      refuseAlerts--;
      res.writeHead(503).end('down for a moment');
    } else res.writeHead(204).end();
  });
  gw = await startApiGateway({ RETRY_SCHEDULE: 'none', ALERT_WINDOW: '10m' });
  acct = await seedAccount(gw.gateway.core);
  gql = gqlClient(gw.http, acct.apiKey);
});
afterAll(async () => {
  await gw?.close();
  await rx?.close();
  await hooks?.close();
});

const SET = `mutation ($url: String!) { setAlertWebhook(url: $url) { signingKey alertWebhook { url createdAt updatedAt } } }`;
const GET = `{ alertWebhook { url } }`;
const publish = () => gw.gateway.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
const headersOf = (h: Record<string, string | string[] | undefined>) => ({ 'webhook-id': String(h['webhook-id']), 'webhook-timestamp': String(h['webhook-timestamp']), 'webhook-signature': String(h['webhook-signature']) });

describe('the alert webhook', () => {
  let signingKey: string;

  it('a URL that is not an http(s) address is refused with the field at fault (the rules of a webhook URL), and nothing is stored', async () => {
    for (const url of ['not a url', 'ftp://example.com/alerts', '']) {
      const bad = await gql(SET, { url });
      expect(bad.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    }
    expect((await ok(gql<{ alertWebhook: null }>(GET))).alertWebhook).toBeNull();
  });

  it('set once: the signing key is shown then and never again; changing the URL keeps the key', async () => {
    const first = await ok(gql<{ setAlertWebhook: { signingKey: string | null; alertWebhook: { url: string } } }>(SET, { url: `${hooks.url}/old` }));
    expect(first.setAlertWebhook.signingKey).toMatch(/^whsec_/);
    signingKey = first.setAlertWebhook.signingKey!;
    const second = await ok(gql<{ setAlertWebhook: { signingKey: string | null; alertWebhook: { url: string } } }>(SET, { url: `${hooks.url}/alerts` }));
    expect(second.setAlertWebhook).toEqual({ signingKey: null, alertWebhook: expect.objectContaining({ url: `${hooks.url}/alerts` }) });
    expect(await ok(gql(GET))).toEqual({ alertWebhook: { url: `${hooks.url}/alerts` } });
  });

  it('a failing endpoint’s alert arrives signed; while the receiver is down it is retried with the same webhook-id', async () => {
    refuseAlerts = 1;
    const saved = await saveActive(gw.gateway.core, acct.accountId, { name: 'CRM', url: `${rx.url}/crm`, deviceIds: [acct.wa.id], events: ['submission'] });
    await publish();
    await hooks.waitFor(2);
    const [refused, taken] = hooks.received;
    expect(refused!.headers['webhook-id']).toBe(taken!.headers['webhook-id']);
    expect(taken!.headers['webhook-id']).toMatch(/^alert_[0-9a-f]{12}_\d+$/);
    expect(taken!.headers['user-agent']).toBe('Kirisan-Alerts/1.0');
    const body = new Webhook(signingKey).verify(taken!.body, headersOf(taken!.headers)) as { type: string; data: Record<string, unknown> };
    const endpointId = saved.endpoints[0]!.id;
    expect(body).toMatchObject({
      type: 'alert.failing',
      data: {
        kind: 'failing',
        webhookId: saved.webhookId,
        endpointId,
        webhookName: 'CRM',
        url: `${rx.url}/crm`,
        failures: 1,
        lastFailure: { httpCode: 500, diagnosis: { code: 'server_error' } },
      },
    });
    const deliveryId = (body.data.lastFailure as { deliveryId: string }).deliveryId;
    // The actions, each a mutation away (redeliver, muteEndpointAlerts, deliveryLogs).
    expect(body.data.actions).toEqual([
      { kind: 'details', endpointId },
      { kind: 'retry', deliveryId },
      { kind: 'mute', endpointId, hours: 1 },
      { kind: 'mute', endpointId, hours: 24 },
    ]);
    // A key other than the account's does not verify it.
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(taken!.body, headersOf(taken!.headers))).toThrow();
  });

  it('the recovery follows, offering nothing; Retry now through GraphQL is what brought it', async () => {
    failing = false;
    const failed = JSON.parse(hooks.received.at(-1)!.body) as { data: { actions: Array<{ kind: string; deliveryId?: string }> } };
    const retry = failed.data.actions.find((a) => a.kind === 'retry')!;
    await ok(gql(`mutation ($id: ID!) { redeliver(deliveryId: $id) { queued } }`, { id: retry.deliveryId }));
    await hooks.waitFor(3);
    const recovered = hooks.received[2]!;
    const body = new Webhook(signingKey).verify(recovered.body, headersOf(recovered.headers)) as { type: string; data: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'alert.recovered', data: { kind: 'recovered', failures: 1, lastFailure: null, actions: [] } });
    expect(recovered.headers['webhook-id']).not.toBe(hooks.received[1]!.headers['webhook-id']);
  });

  it('a disabled endpoint’s alert, queued inside an inTransaction (ORM and SQL on one connection), arrives with its reason, Details and Enable', async () => {
    const before = hooks.received.length;
    const [endpoint] = await gw.gateway.core.webhooks.endpoints(acct.accountId, (await gw.gateway.core.webhooks.list(acct.accountId)).items[0]!.id);
    await inTransaction(gw.gateway.db, ({ sql }) =>
      queueAlerts(sql, [{ kind: 'disabled', disabledReason: 'gone', accountId: acct.accountId, endpointId: endpoint!.id, webhookId: endpoint!.webhookId, webhookName: 'CRM', url: endpoint!.url, failures: 1, windowMs: 600_000, lastFailure: null, at: new Date() }]),
    );
    await hooks.waitFor(before + 1);
    const disabled = hooks.received[before]!;
    const body = new Webhook(signingKey).verify(disabled.body, headersOf(disabled.headers)) as { type: string; data: Record<string, unknown> };
    expect(body).toMatchObject({
      type: 'alert.disabled',
      data: { kind: 'disabled', disabledReason: 'gone', endpointId: endpoint!.id, actions: [{ kind: 'details', endpointId: endpoint!.id }, { kind: 'enable', endpointId: endpoint!.id }] },
    });
  });

  it('removed: the next alerts go nowhere there; removing again says there was none', async () => {
    expect(await ok(gql(`mutation { removeAlertWebhook }`))).toEqual({ removeAlertWebhook: true });
    expect(await ok(gql(`mutation { removeAlertWebhook }`))).toEqual({ removeAlertWebhook: false });
    expect((await ok(gql<{ alertWebhook: null }>(GET))).alertWebhook).toBeNull();
    failing = true;
    const before = hooks.received.length;
    await publish();
    // The new failure is decided (and would be queued for any recipient the account has).
    await eventually(async () => (await gw.gateway.db.pool.query(`select failing from alert_state where account_id = $1`, [acct.accountId])).rows[0]?.failing === true, 'the endpoint failing again');
    const { rows } = await gw.gateway.db.pool.query(`select count(*)::int as n from alert_outbox where account_id = $1`, [acct.accountId]);
    expect(rows[0].n).toBe(0);
    expect(hooks.received.length).toBe(before);
  });
});

describe('an alert webhook set during an episode', () => {
  const alertState = async () => (await gw.gateway.db.pool.query<{ failing: boolean }>(`select failing from alert_state where account_id = $1`, [acct.accountId])).rows[0]!.failing;
  const typeOf = (r: Receiver['received'][number]) => (JSON.parse(r.body) as { type: string }).type;

  it('gets no recovery of a failure decided before it was set; the next episode it gets whole, failure then recovery', async () => {
    // The endpoint is failing (the previous test), its alert decided while no alert webhook was set.
    expect(await alertState()).toBe(true);
    await ok(gql(SET, { url: `${hooks.url}/again` }));
    const before = hooks.received.length;
    failing = false;
    await publish();
    await eventually(async () => (await alertState()) === false, 'the recovery decided');
    // Decided and queued in one transaction: nothing was queued for the new alert webhook.
    const { rows } = await gw.gateway.db.pool.query(`select count(*)::int as n from alert_outbox where account_id = $1`, [acct.accountId]);
    expect(rows[0].n).toBe(0);

    failing = true;
    await publish();
    await hooks.waitFor(before + 1);
    failing = false;
    await publish();
    await hooks.waitFor(before + 2);
    expect(hooks.received.slice(before).map(typeOf)).toEqual(['alert.failing', 'alert.recovered']);
  });
});
