import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { monoMs } from '../lib/clock.js';
import type { ReceiverReply, ReceiverRequest, RouteMode } from '../lib/receiver.js';

/**
 * The bench's webhook receiver, in its own process so that it never shares an event loop
 * with what it measures: one plain node:http server per route (each route is its own
 * origin, as separate customers would be), all on 127.0.0.1. It records the `webhook-id`
 * and arrival time (monotonic ms) of every live POST and answers per route: 200, 500, or
 * never (the socket is held until the gateway's timeout closes it). Send test POSTs (the
 * activation of each endpoint) always get 200 and are not counted.
 */
const servers: Server[] = [];
const sockets = new Set<Socket>();
let ids: string[] = [];
let at: number[] = [];
let route: number[] = [];
const perRoute: number[] = [];

function listen(index: number, mode: RouteMode): Promise<number> {
  perRoute[index] = 0;
  const server = createServer((req, res) => {
    const live = req.headers['user-agent'] !== 'Kirisan-Webhook-Test/1.0';
    if (live) {
      at.push(monoMs());
      ids.push(String(req.headers['webhook-id']));
      route.push(index);
      perRoute[index]!++;
    }
    // Drain the body without keeping it: the receiver must stay cheap.
    req.resume();
    req.on('end', () => {
      if (!live || mode === 'ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else if (mode === 'fail') res.writeHead(500, { 'content-type': 'text/plain' }).end('bench: failing on purpose');
      // 'hang': no answer; the gateway gives up at its timeout and closes the socket.
    });
  });
  server.keepAliveTimeout = 120_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const send = (m: ReceiverReply) => process.send?.(m);

process.on('message', (m: ReceiverRequest) => {
  void (async () => {
    switch (m.type) {
      case 'listen': {
        const ports: number[] = [];
        for (const [i, mode] of m.modes.entries()) ports.push(await listen(i, mode));
        send({ type: 'listening', ports });
        break;
      }
      case 'count':
        send({ type: 'count', total: ids.length, perRoute: [...perRoute], cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 });
        break;
      case 'take': {
        send({ type: 'taken', ids, at: Float64Array.from(at), route: Uint8Array.from(route) });
        ids = [];
        at = [];
        route = [];
        perRoute.fill(0);
        break;
      }
      case 'close':
        for (const s of sockets) s.destroy();
        for (const srv of servers) srv.close();
        process.disconnect?.();
        break;
    }
  })();
});

// The bench went away: nothing is left to measure.
process.on('disconnect', () => {
  for (const s of sockets) s.destroy();
  for (const srv of servers) srv.close();
});
