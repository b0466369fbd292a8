import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { eventually } from './helpers/gateway.js';
import { gqlClient, ok, PLATFORM_KEY, startApiGateway } from './helpers/api.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let rx: Receiver;
let healthy = true;

beforeAll(async () => {
  api = await startApiGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver((_req, res) => (healthy ? res.writeHead(200).end('{"ok":true}') : res.writeHead(503).end('maintenance')));
});
afterAll(async () => {
  await api.close();
  await rx.close();
});

describe('the webhooks guide, walked through the GraphQL API', () => {
  it('get a key, add a webhook, test it, receive live events, read the logs, diagnose a failure, fix it', async () => {
    const platform = gqlClient(api.http, PLATFORM_KEY);
    const { createAccount } = await ok(platform<{ createAccount: { account: { id: string }; apiKey: string } }>(`mutation { createAccount(name: "Acme") { account { id name } apiKey } }`));
    const gql = gqlClient(api.http, createAccount.apiKey);

    const { registerDevice: device } = await ok(
      gql<{ registerDevice: { id: string; token: string; label: string } }>(
        `mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { id token channel label inboundHandler } }`,
        { input: { channel: 'WHATSAPP', name: 'Support line', identifier: '+62 812-3456-7890', inboundHandler: 'WEBHOOK' } },
      ),
    );
    expect(device.label).toBe('Support line (+6281234567890)');

    // Add a webhook endpoint → "Status shows Pending test"
    const { saveWebhooks } = await ok(
      gql<{ saveWebhooks: { webhookId: string; endpoints: Array<{ id: string; status: string; signingKey: string; secretHint: string }>; testTargets: Array<{ id: string; label: string }> } }>(
        `mutation($input: SaveWebhooksInput!) { saveWebhooks(input: $input) { webhookId endpoints { id status signingKey secretHint } testTargets { id label } } }`,
        { input: { name: 'CRM', url: `${rx.url}/webhooks/kirisan`, secret: 'my-signing-secret', deviceIds: [device.id], events: ['INCOMING_MESSAGE', 'SUBMISSION'] } },
      ),
    );
    expect(saveWebhooks.endpoints).toEqual([{ id: expect.any(String), status: 'PENDING_TEST', signingKey: expect.stringMatching(/^whsec_/), secretHint: '••••cret' }]);
    expect(saveWebhooks.testTargets.map((t) => t.label)).toEqual([
      `CRM · Support line · incoming_message · ${rx.url}/webhooks/kirisan · pending`,
      `CRM · Support line · submission · ${rx.url}/webhooks/kirisan · pending`,
    ]);
    const list = await ok(gql<{ webhooks: { edges: Array<{ node: { name: string; url: string; events: string[]; status: string; channel: string; deviceCount: number } }> } }>(`{ webhooks { edges { node { name url events status channel deviceCount } } } }`));
    expect(list.webhooks.edges[0]!.node).toEqual({ name: 'CRM', url: `${rx.url}/webhooks/kirisan`, events: ['INCOMING_MESSAGE', 'SUBMISSION'], status: 'PENDING_TEST', channel: 'WhatsApp', deviceCount: 1 });

    // Test a submission webhook: the preview has submission, answers and "production": false
    const submissionTarget = saveWebhooks.testTargets[1]!;
    const { testTarget } = await ok(gql<{ testTarget: { payloadPreview: string; scenario: string; device: { label: string } } }>(`query($id: ID!) { testTarget(id: $id) { scenario payloadPreview device { label } } }`, { id: submissionTarget.id }));
    const preview = JSON.parse(testTarget.payloadPreview);
    expect(preview).toMatchObject({ event: 'submission', production: false });
    expect(preview.answers.length).toBeGreaterThan(0);
    const { sendTest } = await ok(gql<{ sendTest: { success: boolean; httpStatus: number; durationMs: number; responseBody: string; activatedEndpoints: string[] } }>(`mutation($id: ID!) { sendTest(targetId: $id) { success httpStatus durationMs responseBody activatedEndpoints } }`, { id: submissionTarget.id }));
    expect(sendTest).toMatchObject({ success: true, httpStatus: 200, responseBody: '{"ok":true}', activatedEndpoints: [saveWebhooks.endpoints[0]!.id] });
    const summary = await ok(gql<{ webhookSummary: { active: number } }>(`{ webhookSummary { webhooks deviceLinks active } }`));
    expect(summary.webhookSummary).toEqual({ webhooks: 1, deviceLinks: 1, active: 1 });

    // A live event arrives, signed
    const sample = JSON.parse(testTarget.payloadPreview);
    const { event: _e, device: _d, channel: _c, timestamp: _t, production: _p, ...data } = sample;
    const published = await ok(gql<{ publishEvent: { deliveriesQueued: number } }>(`mutation($token: String!, $data: JSON!) { publishEvent(deviceToken: $token, event: SUBMISSION, data: $data) { eventId deliveriesQueued } }`, { token: device.token, data }));
    expect(published.publishEvent.deliveriesQueued).toBe(1);
    await eventually(() => rx.received.some((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0'));
    const live = rx.received.find((r) => r.headers['user-agent'] === 'Kirisan-Webhook/1.0')!;
    expect(JSON.parse(live.body)).toMatchObject({ event: 'submission', production: true, device: device.token });
    expect(() => new Webhook(saveWebhooks.endpoints[0]!.signingKey).verify(live.body, live.headers as Record<string, string>)).not.toThrow();

    // The logs show it
    const logs = await eventually(async () => {
      const r = await ok(gql<{ deliveryLogs: { edges: Array<{ node: { outcome: string; test: boolean; event: string; channel: string; webhookName: string; httpCode: number } }> } }>(`{ deliveryLogs { edges { node { id webhookName event channel url outcome httpCode durationMs startedAt test } } } }`));
      return r.deliveryLogs.edges.length === 2 ? r.deliveryLogs.edges.map((e) => e.node) : undefined;
    });
    expect(logs[0]).toMatchObject({ outcome: 'SUCCESS', test: false, event: 'SUBMISSION', channel: 'WHATSAPP', webhookName: 'CRM', httpCode: 200 });

    // A failing receiver: set All statuses to Failed, click the row, read the diagnosis
    healthy = false;
    await ok(gql(`mutation($token: String!, $data: JSON!) { publishEvent(deviceToken: $token, event: SUBMISSION, data: $data) { eventId } }`, { token: device.token, data }));
    const failed = await eventually(async () => {
      const r = await ok(gql<{ deliveryLogs: { edges: Array<{ node: { id: string } }> } }>(`{ deliveryLogs(filter: { statuses: [FAILED] }) { edges { node { id } } } }`));
      return r.deliveryLogs.edges[0]?.node;
    });
    const { attempt } = await ok(gql<{ attempt: { httpCode: number; error: string; device: { name: string }; durationMs: number; diagnosis: { cause: string; fix: string } } }>(`query($id: ID!) { attempt(id: $id) { webhookName event channel url httpCode durationMs error responseBody device { name identifier } diagnosis { code cause fix } } }`, { id: failed.id }));
    expect(attempt).toMatchObject({ httpCode: 503, device: { name: 'Support line' }, error: expect.stringContaining('503') });
    expect(attempt.diagnosis.cause).toContain('rejected the request or was overloaded');

    // Fix the handler, send a new test, confirm a success row
    healthy = true;
    await ok(gql(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: submissionTarget.id }));
    const latest = await ok(gql<{ deliveryLogs: { edges: Array<{ node: { outcome: string } }> } }>(`{ deliveryLogs(first: 1) { edges { node { outcome test } } } }`));
    expect(latest.deliveryLogs.edges[0]!.node).toEqual({ outcome: 'SUCCESS', test: true });
  });
});
