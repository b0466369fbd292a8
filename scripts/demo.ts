import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { samplePublishData } from '../src/core/events/index.js';
import type { Channel, EventType } from '../src/core/terms.js';
import { seedDemo } from '../src/demo.js';
import { createRuntime } from '../src/runtime.js';
import { createLogger } from '../src/log.js';
import { startPrintingReceiver } from './lib/printingReceiver.js';

/**
 * `npm run demo`: the webhooks guide, walked by itself on a fresh demo account, against a
 * receiver on 127.0.0.1 that prints what it gets. Needs nothing configured: its own gateway
 * (API + workers) on its own embedded PostgreSQL under .data/demo, made anew on each run.
 * Every step is the GraphQL call the README shows.
 */

const out = (text = '') => process.stdout.write(`${text}\n`);
const step = (n: number, title: string) => out(`\n${n}. ${title}`);

type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

async function main(): Promise<void> {
  const dataDir = path.resolve('.data/demo');
  await rm(dataDir, { recursive: true, force: true });
  out('Starting a gateway (API + delivery workers) on its own embedded PostgreSQL in .data/demo …');
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ROLES: 'api,workers', ALLOW_PRIVATE_TARGETS: 'true', RETRY_SCHEDULE: 'none', LOG_LEVEL: 'error' });
  const gateway = await createRuntime(config, { logger: createLogger('error') });
  const rx = await startPrintingReceiver({ print: out });
  try {
    const demo = (await seedDemo(gateway.core, gateway.db))!;
    const api = `${gateway.url}/graphql`;
    out(`Gateway: ${api}   Receiver: ${rx.url}/webhooks/kirisan`);
    out(`Demo account ${demo.accountId}, API key ${demo.apiKey}`);
    const gql: Gql = async (query, variables) => {
      const res = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.apiKey}` }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: unknown; errors?: Array<{ message: string }> };
      if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
      return body.data as never;
    };

    step(1, 'The demo account\'s devices');
    const { devices } = await gql<{ devices: Array<{ id: string; token: string; label: string; channel: string; identifier: string; inboundHandler: string }> }>('{ devices { id token label channel identifier inboundHandler } }');
    for (const d of devices) out(`   ${d.label.padEnd(40)} ${d.channel.padEnd(9)} on incoming message: ${d.inboundHandler}`);

    step(2, 'Add a webhook endpoint (Save → test): every device, every event');
    const { saveWebhooks } = await gql<{ saveWebhooks: { webhookId: string; endpoints: Array<{ id: string; channel: string; status: string }>; testTargets: Array<{ id: string; label: string }> } }>(
      'mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { webhookId endpoints { id channel status } testTargets { id label } } }',
      { i: { name: 'Demo receiver', url: `${rx.url}/webhooks/kirisan`, deviceIds: devices.map((d) => d.id), events: ['INCOMING_MESSAGE', 'SUBMISSION', 'MESSAGE_STATUS'] } },
    );
    for (const e of saveWebhooks.endpoints) out(`   endpoint ${e.channel.padEnd(9)} ${e.status}`);
    out(`   ${saveWebhooks.testTargets.length} test targets, e.g. "${saveWebhooks.testTargets[0]!.label}"`);

    step(3, 'Activate with a test (Pending test → Active)');
    const target = saveWebhooks.testTargets[0]!;
    const { sendTest } = await gql<{ sendTest: { success: boolean; httpStatus: number | null; durationMs: number; activatedEndpoints: string[] } }>(
      'mutation($t: ID!) { sendTest(targetId: $t) { success httpStatus durationMs responseBody errorText diagnosis { cause fix } activatedEndpoints } }',
      { t: target.id },
    );
    out(`   Send test: ${sendTest.success ? 'Success' : 'Failed'} · HTTP ${sendTest.httpStatus} · ${sendTest.durationMs} ms · ${sendTest.activatedEndpoints.length} endpoints of the batch activated`);
    const { webhookEndpoints } = await gql<{ webhookEndpoints: Array<{ channel: string; status: string }> }>('query($id: ID!) { webhookEndpoints(id: $id) { channel status } }', { id: saveWebhooks.webhookId });
    out(`   Status now: ${webhookEndpoints.map((e) => `${e.channel} ${e.status}`).join(', ')}`);

    step(4, 'A live event per event type (what the platform publishes)');
    let expected = rx.received.length;
    for (const device of devices) {
      const channel = device.channel.toLowerCase() as Channel;
      const events: EventType[] = channel === 'waba' ? ['incoming_message', 'submission', 'message_status'] : ['incoming_message', 'submission'];
      for (const event of events) {
        const data = samplePublishData(event, { token: device.token, channel, name: device.label, identifier: device.identifier });
        const { publishEvent } = await gql<{ publishEvent: { deliveriesQueued: number; notRoutedReason: string | null } }>(
          'mutation($token: String!, $event: EventType!, $data: JSON!) { publishEvent(deviceToken: $token, event: $event, data: $data) { eventId deliveriesQueued notRoutedReason } }',
          { token: device.token, event: event.toUpperCase(), data },
        );
        out(`   publishEvent ${event} from ${device.label}: ${publishEvent.deliveriesQueued} delivery queued${publishEvent.notRoutedReason ? ` — not routed: ${publishEvent.notRoutedReason}` : ''}`);
        expected += publishEvent.deliveriesQueued;
        await rx.waitFor(expected);
      }
    }

    step(5, 'A failure, with its diagnosis (the receiver now answers 503)');
    rx.answerWith({ status: 503, body: 'maintenance' });
    const wa = devices.find((d) => d.channel === 'WHATSAPP')!;
    await gql('mutation($token: String!, $data: JSON!) { publishEvent(deviceToken: $token, event: INCOMING_MESSAGE, data: $data) { eventId } }', {
      token: wa.token,
      data: samplePublishData('incoming_message', { token: wa.token, channel: 'whatsapp', name: wa.label, identifier: wa.identifier }),
    });
    await rx.waitFor(expected + 1);
    type Logs = { deliveryLogs: { edges: Array<{ node: { id: string } }> } };
    let logs: Logs = { deliveryLogs: { edges: [] } };
    // The attempt is written a few milliseconds after the POST; wait for its log row.
    for (let i = 0; i < 200 && !logs.deliveryLogs.edges.length; i++) {
      logs = await gql<Logs>('{ deliveryLogs(first: 1, filter: { statuses: [FAILED] }) { edges { node { id } } } }');
      if (!logs.deliveryLogs.edges.length) await new Promise((r) => setTimeout(r, 50));
    }
    const { attempt } = await gql<{ attempt: { webhookName: string; httpCode: number | null; error: string | null; diagnosis: { cause: string; fix: string } | null } }>(
      'query($id: ID!) { attempt(id: $id) { webhookName httpCode error diagnosis { cause fix } } }',
      { id: logs.deliveryLogs.edges[0]!.node.id },
    );
    out(`   Webhooks → Logs, Failed: ${attempt.webhookName} · HTTP ${attempt.httpCode} · ${attempt.error ?? ''}`);
    out(`   Cause: ${attempt.diagnosis?.cause}`);
    out(`   Fix:   ${attempt.diagnosis?.fix}`);

    out('\nDone. The same calls, to copy and paste: README.md, "Five minutes to a first delivery".');
  } finally {
    await rx.close();
    await gateway.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`The demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
