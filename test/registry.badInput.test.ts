import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreError } from '../src/core/errors.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let other: Awaited<ReturnType<typeof seedAccount>>;
let webhookId: string;

/** Row counts of every table: a refused command must leave them all as they were. */
async function snapshot() {
  const { rows } = await gw.db.pool.query(`
    select (select count(*) from account) a, (select count(*) from api_key) k, (select count(*) from device) d,
           (select count(*) from endpoint) e, (select count(*) from endpoint_device) ed, (select count(*) from event) ev,
           (select count(*) from delivery) dl, (select count(*) from attempt) at,
           (select string_agg(name || url || coalesce(secret, '') || array_to_string(events, ',') || status, ';' order by id) from endpoint) ep,
           (select string_agg(name || identifier || inbound_handler, ';' order by id) from device) dv`);
  return rows[0];
}

async function refused(run: () => Promise<unknown>, code: string, field: string) {
  const before = await snapshot();
  const error = (await run().then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  )) as CoreError;
  expect(error).toMatchObject({ name: 'CoreError', code, field });
  expect(error.message.length).toBeGreaterThan(field.length + 5);
  expect(await snapshot()).toEqual(before);
  return error;
}

const good = () => ({ name: 'CRM', url: 'https://hooks.example.com/kirisan', secret: null as string | null, deviceIds: [acct.wa.id], events: ['submission' as const] as Array<'submission' | 'message_status' | 'incoming_message' | 'submission.completed'> });

beforeAll(async () => {
  // Private targets refused, as in production: the URL guard is part of validation.
  gw = await startTestGateway({ ALLOW_PRIVATE_TARGETS: 'false' });
  acct = await seedAccount(gw.core, 'Acme');
  other = await seedAccount(gw.core, 'Other');
  webhookId = (await gw.core.webhooks.save(acct.accountId, good())).webhookId;
});
afterAll(() => gw.close());

describe('bad input is refused with the field and the reason, and changes nothing', () => {
  const cases: Array<[string, () => Parameters<TestGateway['core']['webhooks']['save']>[1], string, string]> = [
    ['an empty name', () => ({ ...good(), name: '  ' }), 'VALIDATION_FAILED', 'name'],
    ['a 101-character name', () => ({ ...good(), name: 'x'.repeat(101) }), 'VALIDATION_FAILED', 'name'],
    ['a URL that is not a URL', () => ({ ...good(), url: 'not a url' }), 'INVALID_URL', 'url'],
    ['an ftp:// URL', () => ({ ...good(), url: 'ftp://files.example.com/x' }), 'INVALID_URL', 'url'],
    ['a URL with credentials', () => ({ ...good(), url: 'https://user:pw@hooks.example.com/' }), 'INVALID_URL', 'url'],
    ['a URL on a private network', () => ({ ...good(), url: 'https://internal.example.com/hook' }), 'PRIVATE_TARGET_REFUSED', 'url'],
    ['a 513-character secret', () => ({ ...good(), secret: 's'.repeat(513) }), 'VALIDATION_FAILED', 'secret'],
    ['a secret with a line break', () => ({ ...good(), secret: 'abc\r\nX-Evil: 1' }), 'VALIDATION_FAILED', 'secret'],
    ['no device', () => ({ ...good(), deviceIds: [] }), 'VALIDATION_FAILED', 'deviceIds'],
    ['the same device twice', () => ({ ...good(), deviceIds: [acct.wa.id, acct.wa.id] }), 'VALIDATION_FAILED', 'deviceIds'],
    ["another account's device", () => ({ ...good(), deviceIds: [acct.wa.id, other.tg.id] }), 'VALIDATION_FAILED', 'deviceIds'],
    ['a device id that is not an id', () => ({ ...good(), deviceIds: ['nope'] }), 'VALIDATION_FAILED', 'deviceIds'],
    ['no event', () => ({ ...good(), events: [] }), 'VALIDATION_FAILED', 'events'],
    ['an unknown event', () => ({ ...good(), events: ['message.deleted' as 'submission'] }), 'VALIDATION_FAILED', 'events[0]'],
    ['submission and its legacy name together', () => ({ ...good(), events: ['submission', 'submission.completed'] }), 'VALIDATION_FAILED', 'events'],
    ['the legacy name submission.completed for a new webhook', () => ({ ...good(), events: ['submission.completed'] }), 'VALIDATION_FAILED', 'events'],
    ['Message status without a WABA device', () => ({ ...good(), events: ['message_status'] }), 'VALIDATION_FAILED', 'events'],
    ['Message status alone with a WhatsApp device beside the WABA one', () => ({ ...good(), deviceIds: [acct.wa.id, acct.waba.id], events: ['message_status'] }), 'VALIDATION_FAILED', 'events'],
  ];

  it.each(cases)('saveWebhooks: %s', async (_what, input, code, field) => {
    await refused(() => gw.core.webhooks.save(acct.accountId, input()), code, field);
  });

  it.each(cases)('updateWebhook: %s', async (_what, input, code, field) => {
    await refused(() => gw.core.webhooks.update(acct.accountId, webhookId, input()), code, field);
  });

  it("updateWebhook and deleteWebhook of another account's webhook: NOT_FOUND", async () => {
    await refused(() => gw.core.webhooks.update(other.accountId, webhookId, good()), 'NOT_FOUND', 'id');
    await refused(() => gw.core.webhooks.delete(other.accountId, webhookId), 'NOT_FOUND', 'id');
  });

  it('listWebhooks: a search under three characters, a page size out of range, a foreign cursor', async () => {
    await refused(() => gw.core.webhooks.list(acct.accountId, { search: 'ab' }), 'VALIDATION_FAILED', 'search');
    await refused(() => gw.core.webhooks.list(acct.accountId, { first: 0 }), 'VALIDATION_FAILED', 'first');
    await refused(() => gw.core.webhooks.list(acct.accountId, { first: 1000 }), 'VALIDATION_FAILED', 'first');
    await refused(() => gw.core.webhooks.list(acct.accountId, { after: 'garbage' }), 'BAD_CURSOR', 'after');
  });

  it('registerDevice: unknown channel, bad phone number, bad bot name, unknown handler', async () => {
    const base = { channel: 'whatsapp' as const, name: 'Line', identifier: '6281234567890', inboundHandler: 'webhook' as const };
    await refused(() => gw.core.devices.register(acct.accountId, { ...base, channel: 'email' as 'waba' }), 'VALIDATION_FAILED', 'channel');
    await refused(() => gw.core.devices.register(acct.accountId, { ...base, identifier: '12ab' }), 'VALIDATION_FAILED', 'identifier');
    await refused(() => gw.core.devices.register(acct.accountId, { ...base, channel: 'telegram', identifier: 'not a bot' }), 'VALIDATION_FAILED', 'identifier');
    await refused(() => gw.core.devices.register(acct.accountId, { ...base, inboundHandler: 'inbox' as 'flow' }), 'VALIDATION_FAILED', 'inboundHandler');
    await refused(() => gw.core.devices.register(acct.accountId, { ...base, name: '' }), 'VALIDATION_FAILED', 'name');
  });

  it("updateDevice: a bad identifier, another account's device", async () => {
    await refused(() => gw.core.devices.update(acct.accountId, acct.tg.id, { identifier: '+6281234567890' }), 'VALIDATION_FAILED', 'identifier');
    await refused(() => gw.core.devices.update(other.accountId, acct.tg.id, { name: 'mine now' }), 'NOT_FOUND', 'id');
  });

  it('publishEvent: unknown device, unknown event, malformed data', async () => {
    await refused(() => gw.core.dispatch.publish(acct.accountId, { deviceToken: 'dev_nope', event: 'submission', data: {} }), 'NOT_FOUND', 'deviceToken');
    await refused(() => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'order.paid', data: {} }), 'VALIDATION_FAILED', 'event');
    await refused(() => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: { answers: 'none' } }), 'VALIDATION_FAILED', 'data.submission');
  });

  it('sendTest and testTarget: a made-up or foreign target id', async () => {
    const [target] = await gw.core.tests.targets(acct.accountId);
    await refused(() => gw.core.tests.send(acct.accountId, 'tt_bogus'), 'NOT_FOUND', 'targetId');
    await refused(() => gw.core.tests.send(other.accountId, target!.id), 'NOT_FOUND', 'targetId');
    await refused(() => gw.core.tests.target(other.accountId, target!.id), 'NOT_FOUND', 'targetId');
  });

  it('redeliver and redeliverFailed: unknown ids and a backwards time range', async () => {
    const endpointId = (await gw.core.webhooks.endpoints(acct.accountId, webhookId))[0]!.id;
    await refused(() => gw.core.dispatch.redeliver(acct.accountId, '999999'), 'NOT_FOUND', 'deliveryId');
    await refused(() => gw.core.dispatch.redeliver(acct.accountId, 'abc'), 'NOT_FOUND', 'deliveryId');
    await refused(() => gw.core.dispatch.redeliverFailed(other.accountId, { endpointId, since: new Date(0) }), 'NOT_FOUND', 'endpointId');
    await refused(() => gw.core.dispatch.redeliverFailed(acct.accountId, { endpointId, since: new Date(Date.now() + 60_000) }), 'VALIDATION_FAILED', 'since');
  });

  it('accounts and keys: an empty account name, revoking the last key, a foreign key', async () => {
    await refused(() => gw.core.accounts.create({ name: ' ' }), 'VALIDATION_FAILED', 'name');
    const [key] = await gw.core.accounts.listApiKeys(acct.accountId);
    await refused(() => gw.core.accounts.revokeApiKey(acct.accountId, key!.id), 'CONFLICT', 'id');
    await refused(() => gw.core.accounts.revokeApiKey(other.accountId, key!.id), 'NOT_FOUND', 'id');
    await refused(() => gw.core.accounts.createApiKey(acct.accountId, { label: '' }), 'VALIDATION_FAILED', 'label');
  });

  it('logs: a filter with an unknown status, a backwards range, a cursor from another filter', async () => {
    await refused(() => gw.core.logs.list(acct.accountId, { filter: { statuses: ['lost' as 'failed'] } }), 'VALIDATION_FAILED', 'filter.statuses[0]');
    await refused(() => gw.core.logs.list(acct.accountId, { filter: { from: new Date(2), to: new Date(1) } }), 'VALIDATION_FAILED', 'filter.to');
    await refused(() => gw.core.logs.get(acct.accountId, '1; drop table attempt'), 'NOT_FOUND', 'id');
  });
});
