import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { monoMs } from '../lib/clock.js';
import type { SubscriberReply, SubscriberRequest } from '../lib/subscribers.js';

/**
 * Many live-log subscribers in one process of their own: one graphql-ws client (one
 * WebSocket) each, subscribed to `deliveryAttempts(filter)`. Records the arrival time
 * (monotonic ms) of every message, so the bench can subtract the attempt's commit time.
 */
const QUERY = 'subscription($f: AttemptFilter) { deliveryAttempts(filter: $f) { id } }';
const clients: Client[] = [];
const disposers: Array<() => void> = [];
let received: number[] = [];
let ids: string[] = [];
let at: number[] = [];
let sub: number[] = [];
let errors = 0;
let lastError = '';

const send = (m: SubscriberReply) => process.send?.(m);

/** An error, or the CloseEvent graphql-ws hands over (its code and reason say why). */
function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  const c = e as { code?: unknown; reason?: unknown };
  return c && typeof c === 'object' && 'code' in c ? `closed ${String(c.code)}: ${String(c.reason)}` : JSON.stringify(e);
}

/** Subscribers connect this many at a time, each wave once the previous one is connected (clients of many users do not all arrive in the same millisecond). */
const WAVE = 50;

function subscribe(url: string, i: number, spec: SubscriberRequest & { type: 'start' }, connected: () => void): void {
  const s = spec.subs[i]!;
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${s.apiKey}` },
    retryAttempts: 0,
    lazy: false,
    on: { connected },
    onNonLazyError: (e) => {
      errors++;
      lastError = describe(e);
    },
  });
  clients.push(client);
  disposers.push(
    client.subscribe<{ deliveryAttempts: { id: string } }>(
      { query: QUERY, variables: { f: s.filter } },
      {
        next: (msg) => {
          const id = msg.data?.deliveryAttempts.id;
          if (!id) return;
          at.push(monoMs());
          ids.push(id);
          sub.push(i);
          received[i]!++;
        },
        error: (e) => {
          errors++;
          lastError = describe(e);
        },
        complete: () => undefined,
      },
    ),
  );
}

process.on('message', (m: SubscriberRequest) => {
  switch (m.type) {
    case 'start': {
      received = m.subs.map(() => 0);
      void (async () => {
        for (let from = 0; from < m.subs.length && !errors; from += WAVE) {
          const wave = Array.from({ length: Math.min(WAVE, m.subs.length - from) }, (_, k) => from + k);
          await Promise.race([
            Promise.all(wave.map((i) => new Promise<void>((resolve) => subscribe(m.url, i, m, resolve)))),
            new Promise((r) => setTimeout(r, 10_000)),
          ]);
        }
        send({ type: 'started' });
      })();
      break;
    }
    case 'status':
      send({ type: 'status', reached: received.filter((n) => n > 0).length, errors, lastError });
      break;
    case 'take':
      send({ type: 'taken', ids, at: Float64Array.from(at), sub: Uint16Array.from(sub), errors });
      ids = [];
      at = [];
      sub = [];
      received.fill(0);
      break;
    case 'close':
      for (const d of disposers) d();
      void Promise.all(clients.map((c) => c.dispose())).finally(() => process.disconnect?.());
      break;
  }
});

process.on('disconnect', () => {
  for (const c of clients) void c.dispose();
});
