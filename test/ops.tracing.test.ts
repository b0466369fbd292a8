import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { gqlClient, ok, startApiGateway } from './helpers/api.js';
import { saveActive, seedAccount } from './helpers/gateway.js';
import { startReceiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

/** OpenTelemetry traces (on when OTEL_EXPORTER_OTLP_ENDPOINT is set): one delivery followed end to end. */

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: Array<{ key: string; value: OtlpValue }>;
  links?: Array<{ traceId: string; spanId: string }>;
}

/** A stand-in OTLP/HTTP collector on loopback: keeps every span it is sent. */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const resources: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: OtlpValue }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const rs of body.resourceSpans) {
          resources.push(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '');
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, resources, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const attr = (s: OtlpSpan, key: string): unknown => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => x.stringValue ?? x.intValue);
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue);
};

describe('traces', () => {
  it('publish, claim, POST and record spans carry the webhook-id and the event id, and the POST is a child of its claim', async () => {
    const collector = await startCollector();
    const rx = await startReceiver();
    const api = await startApiGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'gateway-under-test' });
    try {
      const { core } = api.gateway;
      const acct = await seedAccount(core);
      await saveActive(core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook?token=receiver-secret`, deviceIds: [acct.wa.id], events: ['incoming_message'] });
      const gql = gqlClient(api.http, acct.apiKey);
      await ok(
        gql('mutation($token: String!, $data: JSON!) { publishEvent(deviceToken: $token, event: INCOMING_MESSAGE, data: $data) { eventId } }', {
          token: acct.wa.token,
          data: publishedData('incoming_message', acct.wa),
        }),
      );
      await rx.waitFor(2);
      const webhookId = rx.received[1]!.headers['webhook-id'];
      expect(webhookId).toMatch(/^msg_[0-9a-f]{12}_\d+$/);
    } finally {
      // Stopping flushes what the exporter still holds.
      await api.close();
      await rx.close();
    }
    try {
      const spans = collector.spans;
      expect(new Set(collector.resources)).toEqual(new Set(['gateway-under-test']));
      const byName = (name: string) => spans.filter((s) => s.name === name);
      const [publish] = byName('publish');
      const [claim] = byName('claim');
      const live = byName('POST').filter((s) => attr(s, 'kirisan.test') === false);
      const test = byName('POST').filter((s) => attr(s, 'kirisan.test') === true);
      const [record] = byName('record');
      expect(publish && claim && record).toBeTruthy();
      expect(live).toHaveLength(1);
      expect(test).toHaveLength(1);
      const post = live[0]!;
      const webhookId = attr(post, 'webhook.id') as string;
      const eventId = (attr(publish!, 'kirisan.event_ids') as string[])[0]!;
      expect(webhookId).toMatch(/^msg_[0-9a-f]{12}_\d+$/);
      expect(attr(claim!, 'webhook.ids')).toEqual([webhookId]);
      expect(attr(record!, 'webhook.ids')).toEqual([webhookId]);
      expect(attr(post, 'kirisan.event_id')).toBe(eventId);
      expect(attr(post, 'http.response.status_code')).toBe(200);
      expect(attr(post, 'server.address')).toMatch(/^127\.0\.0\.1:\d+$/);
      // One delivery, end to end: the POST inside its claim's trace, the record linked to the POST,
      // the claim linked to the publish that queued it.
      expect(post.traceId).toBe(claim!.traceId);
      expect(post.parentSpanId).toBe(claim!.spanId);
      expect(record!.links).toEqual([expect.objectContaining({ traceId: post.traceId, spanId: post.spanId })]);
      expect(claim!.links).toEqual([expect.objectContaining({ traceId: publish!.traceId, spanId: publish!.spanId })]);
      expect(BigInt(post.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(claim!.endTimeUnixNano) - 1_000_000n);
      expect(BigInt(record!.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(post.endTimeUnixNano) - 1_000_000n);
      // The receiver's URL token is not exported.
      expect(JSON.stringify(spans)).not.toContain('receiver-secret');
    } finally {
      await collector.close();
    }
  });
});
