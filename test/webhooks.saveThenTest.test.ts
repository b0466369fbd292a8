import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway();
  rx = await startReceiver();
  acct = await seedAccount(gw.core);
  gw.startWorker();
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

describe('Save → test', () => {
  it('one save over three channels makes a batch of three endpoints, all Pending test', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, {
      name: 'CRM',
      url: `${rx.url}/hooks/crm`,
      secret: 's3cret-value',
      deviceIds: [acct.wa.id, acct.tg.id, acct.waba.id],
      events: ['incoming_message', 'submission', 'message_status'],
    });
    expect(saved.endpoints).toHaveLength(3);
    expect(new Set(saved.endpoints.map((e) => e.batchId))).toEqual(new Set([saved.batchId]));
    expect(saved.endpoints.every((e) => e.status === 'pending_test')).toBe(true);
    expect(saved.signingKey).toMatch(/^whsec_/);
    // message_status comes from WABA devices only, so only the WABA endpoint keeps it
    const byChannel = Object.fromEntries(saved.endpoints.map((e) => [e.channel, e.events]));
    expect(byChannel).toEqual({
      whatsapp: ['incoming_message', 'submission'],
      telegram: ['incoming_message', 'submission'],
      waba: ['incoming_message', 'submission', 'message_status'],
    });
  });

  it('the list shows the save as one row with Mixed channels, and the summary counts like the product', async () => {
    const page = await gw.core.webhooks.list(acct.accountId);
    expect(page.items).toHaveLength(1);
    const row = page.items[0]!;
    expect(row).toMatchObject({ name: 'CRM', channel: 'mixed', deviceCount: 3, status: 'pending_test', secretHint: '••••alue' });
    expect(JSON.stringify(page)).not.toContain('s3cret-value');
    expect(await gw.core.webhooks.summary(acct.accountId)).toEqual({ webhooks: 1, deviceLinks: 3, active: 0, disabled: 0, endpoints: 3 });
  });

  it('test targets are endpoint × device × event, labelled name · device · event · URL with pending', async () => {
    const targets = await gw.core.tests.targets(acct.accountId);
    expect(targets).toHaveLength(2 + 2 + 3);
    expect(targets.map((t) => t.label)).toContain(`CRM · Support line · submission · ${rx.url}/hooks/crm · pending`);
  });

  it('Pending test endpoints receive no live traffic', async () => {
    const r = await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    expect(r.deliveriesQueued).toBe(0);
  });

  it('the payload preview is exactly what Send test POSTs, and one success activates the whole batch', async () => {
    const targets = await gw.core.tests.targets(acct.accountId);
    const target = targets.find((t) => t.label.includes('Helpdesk bot · submission'))!;
    const detail = await gw.core.tests.target(acct.accountId, target.id);
    expect(JSON.parse(detail.payloadPreview)).toMatchObject({ event: 'submission', channel: 'telegram', production: false });

    const result = await gw.core.tests.send(acct.accountId, target.id);
    expect(result).toMatchObject({ success: true, httpStatus: 200, responseBody: 'ok' });
    expect(result.activatedEndpointIds).toHaveLength(3);

    const got = rx.received.at(-1)!;
    const sameSecond = (s: string) => s.replace(/"timestamp":\d+/, '"timestamp":0');
    expect(sameSecond(got.body)).toBe(sameSecond(detail.payloadPreview));
    expect(got.headers['user-agent']).toBe('Kirisan-Webhook-Test/1.0');
    expect(got.headers['x-webhook-secret']).toBe('s3cret-value');

    const row = (await gw.core.webhooks.list(acct.accountId)).items[0]!;
    expect(row.status).toBe('active');
    expect(await gw.core.webhooks.summary(acct.accountId)).toMatchObject({ active: 3 });
    const log = await gw.core.logs.list(acct.accountId, { filter: { test: true } });
    expect(log.items[0]).toMatchObject({ test: true, outcome: 'success', httpCode: 200, webhookName: 'CRM' });
  });

  it('a failed test leaves the batch Pending test and explains why', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'Broken', url: `${rx.url}/broken`, deviceIds: [acct.wa.id], events: ['submission'] });
    rx.respondWith((req, res) => (req.path === '/broken' ? res.writeHead(503).end('busy') : res.writeHead(200).end('ok')));
    const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
    const result = await gw.core.tests.send(acct.accountId, target!.id);
    expect(result).toMatchObject({ success: false, httpStatus: 503, activatedEndpointIds: [] });
    expect(result.diagnosis?.cause).toContain('rejected the request or was overloaded');
    expect((await gw.core.webhooks.endpoints(acct.accountId, saved.webhookId))[0]!.status).toBe('pending_test');
    rx.respondWith((_r, res) => res.writeHead(200).end('ok'));
  });

  it('once Active, live events arrive; editing the URL puts the endpoint back to Pending test and stops them', async () => {
    const before = rx.received.length;
    const r = await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    expect(r.deliveriesQueued).toBe(1);
    await rx.waitFor(before + 1);
    expect(rx.received.at(-1)!.headers['user-agent']).toBe('Kirisan-Webhook/1.0');

    const row = (await gw.core.webhooks.list(acct.accountId, { search: 'CRM' })).items[0]!;
    const edited = await gw.core.webhooks.update(acct.accountId, row.id, {
      name: 'CRM',
      url: `${rx.url}/hooks/crm-v2`,
      secret: 's3cret-value',
      deviceIds: [acct.wa.id, acct.tg.id, acct.waba.id],
      events: ['incoming_message', 'submission', 'message_status'],
    });
    expect(edited.endpoints.every((e) => e.status === 'pending_test')).toBe(true);
    const again = await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    expect(again.deliveriesQueued).toBe(0);
  });

  it('a rename alone keeps the endpoint Active', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'Solo', url: `${rx.url}/solo`, deviceIds: [acct.tg.id], events: ['incoming_message'] });
    const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
    expect((await gw.core.tests.send(acct.accountId, target!.id)).success).toBe(true);
    const renamed = await gw.core.webhooks.update(acct.accountId, saved.webhookId, { name: 'Solo renamed', url: `${rx.url}/solo`, deviceIds: [acct.tg.id], events: ['incoming_message'] });
    expect(renamed.endpoints[0]!.status).toBe('active');
  });

  it('adding a device of a new channel adds a Pending test endpoint to the webhook; the device count updates', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'Grow', url: `${rx.url}/grow`, deviceIds: [acct.wa.id], events: ['submission'] });
    const updated = await gw.core.webhooks.update(acct.accountId, saved.webhookId, { name: 'Grow', url: `${rx.url}/grow`, deviceIds: [acct.wa.id, acct.tg.id], events: ['submission'] });
    expect(updated.endpoints.map((e) => e.channel).sort()).toEqual(['telegram', 'whatsapp']);
    const row = (await gw.core.webhooks.list(acct.accountId, { search: 'Grow' })).items[0]!;
    expect(row).toMatchObject({ deviceCount: 2, channel: 'mixed' });
  });

  it('delete removes the webhook and keeps its attempt history readable', async () => {
    const row = (await gw.core.webhooks.list(acct.accountId, { search: 'Solo' })).items[0]!;
    const history = await gw.core.logs.list(acct.accountId, { filter: { endpointId: row.endpoints[0]!.id } });
    expect(history.items.length).toBeGreaterThan(0);
    await gw.core.webhooks.delete(acct.accountId, row.id);
    expect((await gw.core.webhooks.list(acct.accountId, { search: 'Solo' })).items).toHaveLength(0);
    const after = await gw.core.logs.list(acct.accountId, { filter: { endpointId: row.endpoints[0]!.id } });
    expect(after.items.map((a) => a.id)).toEqual(history.items.map((a) => a.id));
    expect(after.items[0]!.webhookName).toBe('Solo');
    expect((await gw.core.logs.get(acct.accountId, history.items[0]!.id)).url).toBe(`${rx.url}/solo`);
  });
});
