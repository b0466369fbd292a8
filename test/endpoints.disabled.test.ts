import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { gqlClient, ok, startApiGateway, wsClient } from './helpers/api.js';
import { eventually, seedAccount } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { startFakeTelegram, type ChatMessage, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * Disabled, the third endpoint status: 410 Gone disables at once (one POST, no retry), an
 * endpoint that fails long enough is disabled (short settings here: 1 s and 3 failures), an
 * admin disables by hand. Disabled endpoints get no live traffic and keep what was queued;
 * enabling goes to Pending test (or Active when asked), and once Active the kept deliveries
 * arrive. Through GraphQL (queries, mutations, endpointStatusChanged) and the bot.
 */

let api: Awaited<ReturnType<typeof startApiGateway>>;
let tg: FakeTelegram;
let bot: TelegramBot;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let gql: ReturnType<typeof gqlClient>;
const ADMIN = 9201;
/** Paths whose live POSTs are answered with this status (tests always get 200). */
const liveAnswer = new Map<string, number>();
const LIVE = 'Kirisan-Webhook/1.0';

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver((req, res) => {
    const status = req.headers['user-agent'] === LIVE ? (liveAnswer.get(req.path) ?? 200) : 200;
    res.writeHead(status).end(status === 200 ? 'ok' : 'no');
  });
  api = await startApiGateway({ ...botEnv(tg), RETRY_SCHEDULE: 'none', DISABLE_FAILING_AFTER: '1s', DISABLE_FAILING_MIN_ATTEMPTS: '3' });
  acct = await seedAccount(api.gateway.core);
  gql = gqlClient(api.http, acct.apiKey);
  bot = await startTestBot(api.gateway.config, api.gateway.core);
  await linkChat(tg, api.gateway.core, acct.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await api?.close();
  await tg?.close();
  await rx?.close();
});

type EndpointOut = { id: string; status: string; disabledReason: string | null; disabledAt: string | null };
const ENDPOINT_FIELDS = 'id status disabledReason disabledAt';

async function saveActive(name: string, path: string, deviceId: string): Promise<{ webhookId: string; endpointId: string }> {
  const { saveWebhooks } = await ok(
    gql<{ saveWebhooks: { webhookId: string; endpoints: Array<{ id: string }>; testTargets: Array<{ id: string }> } }>(
      `mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId endpoints { id } testTargets { id } } }`,
      { i: { name, url: `${rx.url}${path}`, deviceIds: [deviceId], events: ['SUBMISSION'] } },
    ),
  );
  await sendTest(saveWebhooks.webhookId);
  return { webhookId: saveWebhooks.webhookId, endpointId: saveWebhooks.endpoints[0]!.id };
}

async function sendTest(webhookId: string): Promise<void> {
  const { testTargets } = await ok(gql<{ testTargets: Array<{ id: string }> }>(`query($w: ID!) { testTargets(webhookId: $w) { id } }`, { w: webhookId }));
  const { sendTest: r } = await ok(gql<{ sendTest: { success: boolean } }>(`mutation($t: ID!) { sendTest(targetId: $t) { success } }`, { t: testTargets[0]!.id }));
  expect(r.success).toBe(true);
}

const endpoints = async (webhookId: string) =>
  (await ok(gql<{ webhookEndpoints: EndpointOut[] }>(`query($id: ID!) { webhookEndpoints(id: $id) { ${ENDPOINT_FIELDS} } }`, { id: webhookId }))).webhookEndpoints;

const publish = (device: typeof acct.wa) => api.gateway.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event: 'submission', data: publishedData('submission', device) });
const livePosts = (path: string) => rx.received.filter((r) => r.path === path && r.headers['user-agent'] === LIVE);

describe('410 Gone disables the endpoint at once', () => {
  let gone: { webhookId: string; endpointId: string };
  const changes: Array<{ endpointId: string; status: string; disabledReason: string | null; disabledAt: string | null }> = [];

  it('after exactly one POST: Disabled (gone) with a time, announced on endpointStatusChanged', async () => {
    const client = wsClient(api.http, acct.apiKey);
    client.subscribe<{ endpointStatusChanged: (typeof changes)[number] }>(
      { query: `subscription { endpointStatusChanged { endpointId status disabledReason disabledAt } }` },
      { next: (m) => m.data && changes.push(m.data.endpointStatusChanged), error: () => undefined, complete: () => undefined },
    );
    await eventually(() => api.gateway.feeds.endpointStatus.subscribers(acct.accountId) === 1, 'the subscription registered');
    gone = await saveActive('Gone hook', '/gone', acct.wa.id);
    liveAnswer.set('/gone', 410);
    expect((await publish(acct.wa)).deliveriesQueued).toBe(1);
    const [endpoint] = await eventually(async () => {
      const list = await endpoints(gone.webhookId);
      return list[0]!.status === 'DISABLED' ? list : undefined;
    }, 'the endpoint disabled');
    expect(endpoint).toMatchObject({ status: 'DISABLED', disabledReason: 'GONE', disabledAt: expect.any(String) });
    await eventually(() => changes.some((c) => c.endpointId === gone.endpointId && c.status === 'DISABLED'), 'the change announced');
    expect(changes.filter((c) => c.endpointId === gone.endpointId).at(-1)).toEqual({ endpointId: gone.endpointId, status: 'DISABLED', disabledReason: 'GONE', disabledAt: endpoint!.disabledAt });
    await client.dispose();
    expect(livePosts('/gone')).toHaveLength(1);
  });

  it('the attempt says why; the list, the summary and the checklist show Disabled, why and since when', async () => {
    const logs = await eventually(async () => {
      const r = await ok(gql<{ deliveryLogs: { edges: Array<{ node: { id: string; httpCode: number } }> } }>(`query($e: ID!) { deliveryLogs(filter: { endpointId: $e }) { edges { node { id httpCode } } } }`, { e: gone.endpointId }));
      return r.deliveryLogs.edges.find((e) => e.node.httpCode === 410)?.node;
    }, 'the 410 in the log');
    const { attempt } = await ok(gql<{ attempt: { diagnosis: { code: string; cause: string } } }>(`query($id: ID!) { attempt(id: $id) { diagnosis { code cause } } }`, { id: logs.id }));
    expect(attempt.diagnosis).toMatchObject({ code: 'gone', cause: expect.stringContaining('disabled at once') });

    const { webhooks, webhookSummary } = await ok(
      gql<{ webhooks: { edges: Array<{ node: { id: string; status: string } }> }; webhookSummary: { disabled: number } }>(`{ webhooks { edges { node { id status } } } webhookSummary { disabled } }`),
    );
    expect(webhooks.edges.find((e) => e.node.id === gone.webhookId)!.node.status).toBe('DISABLED');
    expect(webhookSummary.disabled).toBe(1);

    const { troubleshoot } = await ok(
      gql<{ troubleshoot: { healthy: boolean; checks: Array<{ check: string; passed: boolean; detail: string; fix: string }> } }>(
        `query($e: ID!) { troubleshoot(endpointId: $e) { healthy checks { check passed detail fix } } }`,
        { e: gone.endpointId },
      ),
    );
    const status = troubleshoot.checks.find((c) => c.check === 'endpoint_active')!;
    expect(status).toMatchObject({ passed: false, detail: expect.stringMatching(/Disabled since .*410 Gone/), fix: expect.stringContaining('Enable') });
  });

  it('gets no POST for new events while disabled (a healthy endpoint meanwhile does)', async () => {
    await saveActive('Healthy', '/healthy', acct.tg.id);
    expect((await publish(acct.wa)).deliveriesQueued).toBe(0);
    const before = rx.received.length;
    expect((await publish(acct.tg)).deliveriesQueued).toBe(1);
    await rx.waitFor(before + 1);
    expect(livePosts('/gone')).toHaveLength(1);
  });

  it('an edit keeps it Disabled: enabling is its own choice', async () => {
    await ok(gql(`mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { webhookId } }`, { id: gone.webhookId, i: { url: `${rx.url}/gone-v2` } }));
    expect((await endpoints(gone.webhookId))[0]).toMatchObject({ status: 'DISABLED', disabledReason: 'GONE' });
    await ok(gql(`mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { webhookId } }`, { id: gone.webhookId, i: { url: `${rx.url}/gone` } }));
  });

  it('the admin chat gets one alert saying why (no failure message beside it), with an Enable button that enables it to Pending test', async () => {
    const alert = await tg.waitFor(ADMIN, (m) => m.text.startsWith('⛔ Gone hook is disabled'));
    expect(alert.text).toContain('because the receiver answered 410 Gone');
    expect(alert.buttons.flat().map((b) => b.text)).toEqual(['🔎 Details', '✅ Enable']);
    liveAnswer.delete('/gone');
    tg.press(alert, '✅ Enable');
    await tg.waitFor(ADMIN, (m) => m.messageId === alert.messageId && m.text.includes('Gone hook is enabled'));
    const sent = tg.calls.filter((c) => c.method === 'sendMessage' && String(c.payload.text).includes('Gone hook</b> is disabled'));
    expect(sent).toHaveLength(1);
    // The 410 itself is told by the Disabled alert only: a failure message after it would take its Enable away.
    expect(tg.calls.filter((c) => c.method === 'sendMessage' && String(c.payload.text).includes('Gone hook</b> is failing'))).toEqual([]);
    expect((await endpoints(gone.webhookId))[0]).toMatchObject({ status: 'PENDING_TEST', disabledReason: null, disabledAt: null });
  });

  it('enable → Pending test → Send test → Active, and the kept delivery arrives with its webhook-id', async () => {
    // Enabling what is already enabled changes nothing.
    const { enableWebhook } = await ok(gql<{ enableWebhook: EndpointOut[] }>(`mutation($id: ID!) { enableWebhook(id: $id) { ${ENDPOINT_FIELDS} } }`, { id: gone.webhookId }));
    expect(enableWebhook).toEqual([{ id: gone.endpointId, status: 'PENDING_TEST', disabledReason: null, disabledAt: null }]);
    expect(livePosts('/gone')).toHaveLength(1);
    await sendTest(gone.webhookId);
    expect((await endpoints(gone.webhookId))[0]!.status).toBe('ACTIVE');
    await eventually(() => livePosts('/gone').length === 2, 'the kept delivery');
    const [first, kept] = livePosts('/gone');
    expect(kept!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });
});

describe('an endpoint that keeps failing is disabled (reason failing), and recovers', () => {
  it('every attempt failed for DISABLE_FAILING_AFTER with at least DISABLE_FAILING_MIN_ATTEMPTS failures: Disabled (failing)', async () => {
    const failing = await saveActive('Failing', '/failing', acct.waba.id);
    liveAnswer.set('/failing', 503);
    // One event at a time, each waited for (its POST, or the endpoint disabled meanwhile), until the policy disables it.
    const disabledNow = async () => {
      const [endpoint] = await endpoints(failing.webhookId);
      return endpoint!.status === 'DISABLED' ? endpoint : undefined;
    };
    const disabled = await eventually(async () => {
      const n = livePosts('/failing').length;
      if ((await publish(acct.waba)).deliveriesQueued === 1) await eventually(async () => livePosts('/failing').length > n || (await disabledNow()), 'its POST, or the endpoint disabled');
      return disabledNow();
    }, 'the endpoint disabled as failing');
    expect(disabled).toMatchObject({ disabledReason: 'FAILING', disabledAt: expect.any(String) });
    await tg.waitFor(ADMIN, (m) => m.text.startsWith('⛔ Failing is disabled because every live attempt failed for too long'));
    expect(livePosts('/failing').length).toBeGreaterThanOrEqual(3);

    // Recoverable: enabled straight to Active (the admin says so), failures redelivered.
    liveAnswer.delete('/failing');
    const { enableWebhook } = await ok(gql<{ enableWebhook: EndpointOut[] }>(`mutation($id: ID!) { enableWebhook(id: $id, activate: true) { ${ENDPOINT_FIELDS} } }`, { id: failing.webhookId }));
    expect(enableWebhook[0]).toMatchObject({ status: 'ACTIVE', disabledReason: null });
    const failedBefore = livePosts('/failing').length;
    const { redeliverFailed } = await ok(
      gql<{ redeliverFailed: { queued: number } }>(`mutation($e: ID!) { redeliverFailed(endpointId: $e, since: "2000-01-01T00:00:00Z") { queued } }`, { e: failing.endpointId }),
    );
    expect(redeliverFailed.queued).toBeGreaterThan(0);
    await eventually(() => livePosts('/failing').length >= failedBefore + redeliverFailed.queued, 'the failures sent again');
  });

  it('one failure does not disable an endpoint: it takes DISABLE_FAILING_MIN_ATTEMPTS failures as well as the time', async () => {
    const quiet = await saveActive('Quiet', '/quiet', acct.wa.id);
    liveAnswer.set('/quiet', 500);
    await publish(acct.wa);
    await eventually(async () => {
      const r = await ok(gql<{ deliveryLogs: { edges: unknown[] } }>(`query($e: ID!) { deliveryLogs(filter: { endpointId: $e, test: false }) { edges { cursor } } }`, { e: quiet.endpointId }));
      return r.deliveryLogs.edges.length === 1;
    }, 'the failed attempt in the log');
    // The alert policy has seen it (its state row exists) and left the endpoint Active.
    await eventually(async () => (await api.gateway.db.pool.query('select 1 from alert_state where endpoint_id = $1 and total_failures = 1', [quiet.endpointId])).rowCount === 1, 'the policy saw the failure');
    expect((await endpoints(quiet.webhookId))[0]!.status).toBe('ACTIVE');
    liveAnswer.delete('/quiet');
  });
});

describe('the bot disables and enables', () => {
  const labels = (m: ChatMessage) => m.buttons.flat().map((b) => b.text);
  const edited = (m: ChatMessage, test: (x: ChatMessage) => boolean) => {
    const version = m.version;
    return tg.waitFor(ADMIN, (x) => x.messageId === m.messageId && x.version > version && test(x));
  };

  it('⛔ Disable from the details (manual), ✅ Enable back to Pending test', async () => {
    const hook = await saveActive('By hand', '/by-hand', acct.tg.id);
    const since = tg.messages(ADMIN).length;
    tg.send(ADMIN, '/webhooks By hand');
    const list = await tg.waitFor(ADMIN, (m) => m.messageId > since && m.text.includes('Webhooks matching "By hand"'));
    tg.press(list, 'By hand');
    const details = await edited(list, (m) => m.text.startsWith('By hand') && labels(m).includes('⛔ Disable'));
    tg.press(details, '⛔ Disable');
    const done = await edited(details, (m) => m.text.includes('is disabled'));
    expect((await endpoints(hook.webhookId))[0]).toMatchObject({ status: 'DISABLED', disabledReason: 'MANUAL' });
    expect((await publish(acct.tg)).deliveriesQueued).toBe(1); // "Healthy" only
    tg.press(done, 'Details');
    const again = await edited(done, (m) => m.text.includes('⛔ Disabled (disabled by an admin, since') && labels(m).includes('✅ Enable'));
    tg.press(again, '✅ Enable');
    await edited(again, (m) => m.text.includes('is enabled') && labels(m).includes('🧪 Send test'));
    expect((await endpoints(hook.webhookId))[0]).toMatchObject({ status: 'PENDING_TEST', disabledReason: null });

    // The Disabled alert the chat got meanwhile still offers Enable; once the webhook is Active
    // again, pressing it changes nothing and says so.
    const alert = await tg.waitFor(ADMIN, (m) => m.text.startsWith('⛔ By hand is disabled by an admin'));
    const [target] = await api.gateway.core.tests.targets(acct.accountId, { webhookId: hook.webhookId });
    expect((await api.gateway.core.tests.send(acct.accountId, target!.id)).success).toBe(true);
    tg.press(alert, '✅ Enable');
    await edited(alert, (m) => m.text.includes('By hand is not disabled: nothing to enable'));
    expect((await endpoints(hook.webhookId))[0]).toMatchObject({ status: 'ACTIVE' });
  });
});
