import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { catalogue, defineChannel, defineEvent } from '../src/core/catalogue/index.js';
import { phoneNumber } from '../src/core/catalogue/fields.js';
import { gqlClient, ok, PLATFORM_KEY, startApiGateway } from './helpers/api.js';
import { eventually } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

/**
 * A fourth channel and a fourth event exist only here, in this test's catalogue entries. The
 * gateway is not changed for them: registering them before start-up is all it takes for
 * devices, webhooks, samples, Send test, publishing, routing, the wire, the log, the API's
 * enums and troubleshooting to know them.
 */
const sms = defineChannel({
  id: 'sms',
  label: 'SMS',
  identifier: { kind: 'phone number in international format', schema: phoneNumber, display: (id) => `+${id}` },
  contact: { details: z.looseObject({ carrier: z.string() }), metadata: z.looseObject({}) },
  sample: {
    device: { name: 'Text line', identifier: '6281200001111', inboundHandler: 'webhook' },
    user: '6281234567890',
    details: { carrier: 'Telkomsel' },
    metadata: () => ({}),
    reaches: ' by text message',
  },
});

const reactionSchema = z.strictObject({ message_id: z.string().min(1), emoji: z.string().min(1), sender: z.string().min(1) });

/** A person reacted to a message the device sent; SMS has no reactions, WhatsApp and WABA do not exist here. */
const reaction = defineEvent<z.output<typeof reactionSchema>>({
  type: 'reaction',
  label: 'Reaction',
  legacyNames: [{ name: 'message.reaction', label: 'Reaction (legacy message.reaction)' }],
  producer: { channels: ['sms', 'whatsapp'] },
  schema: () => reactionSchema,
  build: (d, { token, channel }) => ({ event: 'reaction', device: token, channel, message_id: d.message_id, emoji: d.emoji, sender: d.sender }),
  sample: (channel) => ({ message_id: 'sms-42', emoji: '👍', sender: channel.sample.user }),
  scenario: (channel) => `A ${channel.label} user reacts 👍 to a message from this device`,
});

catalogue.extend({ channels: [sms], events: [reaction] });

let api: Awaited<ReturnType<typeof startApiGateway>>;
let rx: Receiver;

beforeAll(async () => {
  api = await startApiGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver();
});
afterAll(async () => {
  await api?.close();
  await rx?.close();
});

describe('a channel and an event added in the catalogue alone', () => {
  it('an SMS device gets a Reaction webhook, tests it, and receives a live reaction, signed, through the GraphQL API', async () => {
    const platform = gqlClient(api.http, PLATFORM_KEY);
    const { createAccount } = await ok(platform<{ createAccount: { apiKey: string } }>(`mutation { createAccount(name: "Texts") { apiKey } }`));
    const gql = gqlClient(api.http, createAccount.apiKey);

    const { registerDevice: device } = await ok(
      gql<{ registerDevice: { id: string; token: string; label: string; channel: string } }>(
        `mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { id token label channel } }`,
        { input: { channel: 'SMS', name: 'Text line', identifier: '+62 812-0000-1111', inboundHandler: 'WEBHOOK' } },
      ),
    );
    expect(device).toMatchObject({ label: 'Text line (+6281200001111)', channel: 'SMS' });

    const { saveWebhooks } = await ok(
      gql<{ saveWebhooks: { endpoints: Array<{ id: string; channel: string; events: string[]; signingKey: string }>; testTargets: Array<{ id: string; event: string }> } }>(
        `mutation($input: SaveWebhooksInput!) { saveWebhooks(input: $input) { endpoints { id channel events signingKey } testTargets { id event } } }`,
        { input: { name: 'Reactions', url: `${rx.url}/reactions`, deviceIds: [device.id], events: ['REACTION', 'SUBMISSION'] } },
      ),
    );
    const [endpoint] = saveWebhooks.endpoints;
    expect(endpoint).toMatchObject({ channel: 'SMS', events: ['REACTION', 'SUBMISSION'] });

    // Send test of the new event: the sample comes from its entry, through its own schema.
    const target = saveWebhooks.testTargets.find((t) => t.event === 'REACTION')!;
    const { testTarget } = await ok(gql<{ testTarget: { scenario: string; payloadPreview: string } }>(`query($id: ID!) { testTarget(id: $id) { scenario payloadPreview } }`, { id: target.id }));
    expect(testTarget.scenario).toBe('A SMS user reacts 👍 to a message from this device');
    expect(JSON.parse(testTarget.payloadPreview)).toMatchObject({ event: 'reaction', channel: 'sms', emoji: '👍', production: false });
    const { sendTest } = await ok(gql<{ sendTest: { success: boolean } }>(`mutation($id: ID!) { sendTest(targetId: $id) { success } }`, { id: target.id }));
    expect(sendTest.success).toBe(true);

    // A built-in event's sample takes the new channel's contact data.
    const submissionTarget = saveWebhooks.testTargets.find((t) => t.event === 'SUBMISSION')!;
    const sub = await ok(gql<{ testTarget: { payloadPreview: string } }>(`query($id: ID!) { testTarget(id: $id) { payloadPreview } }`, { id: submissionTarget.id }));
    expect(JSON.parse(sub.testTarget.payloadPreview)).toMatchObject({ event: 'submission', channel: 'sms', sender: '6281234567890' });

    // Live: the platform publishes a reaction; the receiver gets the entry's body, signed.
    const { publishEvent } = await ok(
      platform<{ publishEvent: { deliveriesQueued: number } }>(
        `mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: REACTION, data: $d) { deliveriesQueued } }`,
        { t: device.token, d: { message_id: 'sms-7', emoji: '🎉', sender: '6281234567890' } },
      ),
    );
    expect(publishEvent.deliveriesQueued).toBe(1);
    await rx.waitFor(2);
    const live = rx.received[1]!;
    expect(live.headers['x-kirisan-event']).toBe('reaction');
    expect(live.headers['x-kirisan-device']).toBe(device.token);
    const body = new Webhook(endpoint!.signingKey).verify(live.body, {
      'webhook-id': String(live.headers['webhook-id']),
      'webhook-timestamp': String(live.headers['webhook-timestamp']),
      'webhook-signature': String(live.headers['webhook-signature']),
    });
    expect(Object.keys(body as object)).toEqual(['event', 'device', 'channel', 'message_id', 'emoji', 'sender', 'timestamp', 'production']);
    expect(body).toMatchObject({ event: 'reaction', channel: 'sms', emoji: '🎉', production: true });

    // The log filters by the new channel and event (the live attempt is recorded after its response).
    const logs = await eventually(async () => {
      const page = await ok(
        gql<{ deliveryLogs: { edges: Array<{ node: { event: string; channel: string; test: boolean } }> } }>(
          `{ deliveryLogs(filter: { channel: SMS, events: [REACTION] }) { edges { node { event channel test } } } }`,
        ),
      );
      return page.deliveryLogs.edges.length === 2 && page.deliveryLogs.edges.map((e) => e.node);
    }, 'the live attempt in the log');
    expect(logs).toEqual([
      { event: 'REACTION', channel: 'SMS', test: false },
      { event: 'REACTION', channel: 'SMS', test: true },
    ]);
  });

  it('the producer rule of the new event holds: a Telegram device cannot publish a reaction, and a Telegram-only webhook cannot subscribe to one', async () => {
    const platform = gqlClient(api.http, PLATFORM_KEY);
    const { createAccount } = await ok(platform<{ createAccount: { apiKey: string } }>(`mutation { createAccount(name: "Bots") { apiKey } }`));
    const gql = gqlClient(api.http, createAccount.apiKey);
    const { registerDevice: bot } = await ok(
      gql<{ registerDevice: { id: string; token: string } }>(
        `mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { id token } }`,
        { input: { channel: 'TELEGRAM', name: 'Help', identifier: 'help_desk_bot', inboundHandler: 'WEBHOOK' } },
      ),
    );
    const refused = await platform(`mutation($t: String!) { publishEvent(deviceToken: $t, event: REACTION, data: {}) { eventId } }`, { t: bot.token });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'channel' });
    expect(refused.errors?.[0]?.message).toContain('Reaction events come only from WhatsApp or SMS devices');

    const save = await gql(`mutation($input: SaveWebhooksInput!) { saveWebhooks(input: $input) { webhookId } }`, {
      input: { name: 'R', url: `${rx.url}/r`, deviceIds: [bot.id], events: ['REACTION'] },
    });
    expect(save.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
    expect(save.errors?.[0]?.message).toContain('Reaction is sent only for WhatsApp or SMS devices');
  });

  it('the catalogue refuses to change once a runtime has started', () => {
    expect(() => catalogue.extend({ channels: [{ ...sms, id: 'fax' }] })).toThrow(/sealed/);
  });
});
