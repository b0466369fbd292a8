import { context, SpanKind, SpanStatusCode, trace, type Link, type SpanContext, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Config } from '../config.js';
import type { GatewayEventMap, GatewayEvents } from '../core/observe.js';
import type { AttemptInsert } from '../db/sql/recordAttempts.js';
import { currentRequestId } from './requestContext.js';

export interface Tracing {
  /** Sends what is buffered and stops exporting. */
  close(): Promise<void>;
}

/** A claim whose span is made with its first recorded POST. */
interface PendingClaim {
  claimed: GatewayEventMap['dispatch:claimed'];
  span: SpanContext | null;
}

/** Span contexts kept to connect the steps of one delivery inside this process. */
const REMEMBERED = 20_000;

/**
 * OpenTelemetry traces over OTLP/HTTP, built from core's typed events after the fact (each
 * event carries its start and duration), so core holds no tracing code. Spans:
 * `publish` (event ids, from the API request), `claim` (the webhook-ids it took, linked to
 * their publish span when this process published them), one `POST` per attempt (child of
 * its claim, with `webhook.id`, status and error code), and `record` (the batch write,
 * linked to its POSTs). Search by `webhook.id` or `kirisan.event_id` to follow one delivery.
 * Returns null when no endpoint is configured: tracing is off and costs nothing.
 */
export function startTracing(deps: { events: GatewayEvents; settings: Config['tracing']; webhookId: (deliveryId: string) => string; onError?: (e: unknown) => void }): Tracing | null {
  const { endpoint, serviceName } = deps.settings;
  if (!endpoint) return null;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('kirisan-gateway');
  const published = new Remembered<SpanContext>();
  const claims = new Remembered<{ pending: PendingClaim; eventId: string }>();

  /** The claim's span, made once (placed at the claim's own time), linked to the publishes this process heard of. */
  function claimSpan(p: PendingClaim): SpanContext {
    if (p.span) return p.span;
    const { workerId, deliveries, limit, startedAt, durationMs } = p.claimed;
    const links: Link[] = [];
    for (const d of deliveries) {
      const sc = published.get(d.eventId);
      if (sc && !links.some((l) => l.context.spanId === sc.spanId)) links.push({ context: sc });
    }
    const span = tracer.startSpan('claim', {
      kind: SpanKind.CONSUMER,
      startTime: new Date(startedAt),
      links,
      attributes: { 'webhook.ids': deliveries.map((d) => deps.webhookId(d.deliveryId)), 'kirisan.worker': workerId, 'kirisan.claim.limit': limit, 'kirisan.claim.size': deliveries.length },
    });
    span.end(new Date(startedAt + durationMs));
    p.span = span.spanContext();
    return p.span;
  }

  const offs = [
    deps.events.on('dispatch:published', ({ events, startedAt, durationMs }) => {
      const span = tracer.startSpan('publish', {
        kind: SpanKind.SERVER,
        startTime: new Date(startedAt),
        attributes: {
          'kirisan.event_ids': events.map((e) => e.eventId),
          'kirisan.event_types': [...new Set(events.map((e) => e.type))],
          'kirisan.deliveries_queued': events.reduce((n, e) => n + e.deliveries, 0),
          ...requestAttribute(),
        },
      });
      span.end(new Date(startedAt + durationMs));
      for (const e of events) published.set(e.eventId, span.spanContext());
    }),
    deps.events.on('dispatch:claimed', (claimed) => {
      if (!claimed.deliveries.length) return; // an empty poll is not worth a span
      // The span is made when its first POST is recorded: a claim can take deliveries
      // committed a moment before it returns, and this process may hear back from the
      // publish that queued them only after the claim (the link to the publish needs both).
      const pending: PendingClaim = { claimed, span: null };
      for (const d of claimed.deliveries) claims.set(d.deliveryId, { pending, eventId: d.eventId });
    }),
    deps.events.on('dispatch:attempts', ({ attempts, startedAt, durationMs }) => {
      const links: Link[] = attempts.map((a) => {
        const claim = a.deliveryId ? claims.take(a.deliveryId) : undefined;
        return { context: post(tracer, deps.webhookId, a, claim ? { span: claimSpan(claim.pending), eventId: claim.eventId } : undefined) };
      });
      const span = tracer.startSpan('record', {
        kind: SpanKind.INTERNAL,
        startTime: new Date(startedAt),
        links,
        attributes: { 'webhook.ids': attempts.flatMap((a) => (a.deliveryId ? [deps.webhookId(a.deliveryId)] : [])), 'kirisan.record.size': attempts.length },
      });
      span.end(new Date(startedAt + durationMs));
    }),
    deps.events.on('test:sent', ({ attempt }) => void post(tracer, deps.webhookId, attempt, undefined)),
  ];

  return {
    async close() {
      for (const off of offs) off();
      await provider.shutdown().catch(deps.onError ?? (() => undefined));
    },
  };
}

/** One POST as a span placed at the time it happened; returns its context for links. */
function post(tracer: Tracer, webhookId: (deliveryId: string) => string, a: AttemptInsert, claim: { span: SpanContext; eventId: string } | undefined): SpanContext {
  const parent = claim ? trace.setSpanContext(context.active(), claim.span) : context.active();
  const span = tracer.startSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      startTime: a.startedAt,
      attributes: {
        ...(a.deliveryId ? { 'webhook.id': webhookId(a.deliveryId), 'kirisan.delivery_id': a.deliveryId } : {}),
        ...(claim ? { 'kirisan.event_id': claim.eventId } : {}),
        'http.request.method': 'POST',
        'server.address': hostOf(a.url),
        'kirisan.event': a.eventName,
        'kirisan.channel': a.channel,
        'kirisan.endpoint_id': a.endpointId ?? '',
        'kirisan.attempt': a.attemptNumber,
        'kirisan.test': a.test,
        'kirisan.outcome': a.outcome,
        ...(a.httpCode !== null ? { 'http.response.status_code': a.httpCode } : {}),
        ...(a.errorCode ? { 'error.type': a.errorCode } : {}),
        ...(a.test ? requestAttribute() : {}),
      },
    },
    parent,
  );
  if (a.outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: a.errorCode ?? 'failed' });
  span.end(new Date(a.startedAt.getTime() + a.durationMs));
  return span.spanContext();
}


/** Only the host: a URL's path or query may carry a receiver's token. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function requestAttribute(): Record<string, string> {
  const id = currentRequestId();
  return id ? { 'kirisan.request_id': id } : {};
}

/** A bounded map: the oldest entries go first (deliveries of another process never come back here). */
class Remembered<V> {
  private readonly map = new Map<string, V>();
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > REMEMBERED) this.map.delete(this.map.keys().next().value!);
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  take(key: string): V | undefined {
    const v = this.map.get(key);
    this.map.delete(key);
    return v;
  }
}
