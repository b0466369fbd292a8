import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { monoMs } from '../lib/clock.js';
import type { SubscriberReply, SubscriberRequest } from '../lib/subscribers.js';

/**
 * Many live-log subscribers in one process of their own: one graphql-ws client (one
 * WebSocket) each, subscribed to `deliveryAttempts(filter)`. Records the arrival time
 * (monotonic ms) of every message, so the bench can subtract the attempt's commit time.
 */
const QUERY = 'subscription($f: DeliveryLogFilter) { deliveryAttempts(filter: $f) { id } }';
const clients: Client[] = [];
const disposers: Array<() => void> = [];
let received: number[] = [];
let ids: string[] = [];
let at: number[] = [];
let sub: number[] = [];
let errors = 0;
let lastError = '';

const send = (m: SubscriberReply) => process.send?.(m);

process.on('message', (m: SubscriberRequest) => {
  switch (m.type) {
    case 'start': {
      received = m.subs.map(() => 0);
      for (const [i, s] of m.subs.entries()) {
        const client = createClient({
          url: m.url,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${s.apiKey}` },
          retryAttempts: 0,
          lazy: false,
          onNonLazyError: (e) => {
            errors++;
            lastError = String(e);
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
                lastError = e instanceof Error ? e.message : JSON.stringify(e);
              },
              complete: () => undefined,
            },
          ),
        );
      }
      send({ type: 'started' });
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
