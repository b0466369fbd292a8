import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedPost {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How the receiver answers: status and body. */
export type Answer = { status: number; body: string };

/**
 * A webhook receiver on 127.0.0.1 that prints every request it gets (the headers a receiver
 * routes on, and the JSON body) and answers as told, 200 by default: a stand-in for your
 * server while you try the gateway.
 */
export async function startPrintingReceiver(opts: { port?: number; print?: (text: string) => void } = {}) {
  const print = opts.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  let answer: Answer = { status: 200, body: '{"ok":true}' };
  const received: ReceivedPost[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const { status, body: reply } = answer;
      res.writeHead(status, { 'content-type': 'application/json' }).end(reply);
      received.push({ path: req.url ?? '/', headers: req.headers, body });
      const h = req.headers;
      print(
        [
          `  ⇢ receiver got ${req.method} ${req.url}  event=${h['x-kirisan-event'] ?? '-'}  device=${h['x-kirisan-device'] ?? '-'}  webhook-id=${h['webhook-id'] ?? '-'}  (${h['user-agent'] ?? ''})  → answered ${status}`,
          ...pretty(body).map((l) => `      ${l}`),
        ].join('\n'),
      );
      for (const w of [...waiters]) {
        if (received.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerWith(a: Answer) {
      answer = a;
    },
    /** Resolves once `n` requests in all have arrived. */
    waitFor(n: number): Promise<void> {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pretty(body: string): string[] {
  try {
    return JSON.stringify(JSON.parse(body), null, 2).split('\n');
  } catch {
    return [body];
  }
}
