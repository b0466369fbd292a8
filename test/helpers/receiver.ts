import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HANG_GUARD_MS } from './waits.js';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Responder = (req: Received, res: ServerResponse) => void;

/**
 * A responder whose first request on each path succeeds (a webhook's activation test: Save →
 * test needs one 200) and whose later requests (live traffic) get `then`.
 */
export function firstRequestPasses(then: Responder): Responder {
  const tested = new Set<string>();
  return (req, res) => {
    if (tested.has(req.path)) return then(req, res);
    tested.add(req.path);
    res.writeHead(200).end('ok');
  };
}

/**
 * A real HTTP receiver on 127.0.0.1 that records every request and answers as told
 * (200 "ok" by default). Stands in for a customer's server.
 */
export async function startReceiver(respond: Responder = (_r, res) => res.writeHead(200).end('ok')) {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const sockets = new Set<Socket>();
  let responder = respond;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      for (const w of [...waiters]) if (received.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      responder(r, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    respondWith(r: Responder) {
      responder = r;
    },
    /** Resolves when `n` requests in all have arrived (see HANG_GUARD_MS). */
    waitFor(n: number): Promise<void> {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`gave up: the receiver got ${received.length} of ${n} requests`)), HANG_GUARD_MS);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
