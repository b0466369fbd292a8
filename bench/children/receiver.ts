import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { monoMs } from '../lib/clock.js';
import type { ReceiverReply, ReceiverRequest, RouteMode } from '../lib/receiver.js';

/**
 * The bench's webhook receiver, in its own process so that it never shares an event loop
 * with what it measures: plain node:http servers on 127.0.0.1, each its own origin (as
 * separate customers would be). Route i is served by server i mod servers, at path `/r/i`
 * (or at any path when every route has a server of its own). It records the `webhook-id`,
 * route and arrival time (monotonic ms) of every live POST and answers per route: 200,
 * 500, or never (the socket is held until the gateway's timeout closes it). Send test
 * POSTs (the activation of each endpoint) always get 200 and are not counted.
 */
const servers: Server[] = [];
const sockets = new Set<Socket>();
let ids: string[] = [];
let at: number[] = [];
let route: number[] = [];
let perRoute: number[] = [];
let modes: RouteMode[] = [];

/** The route of a request: `/r/<n>` when the path names one, else the server's own. */
function routeOf(url: string | undefined, server: number): number {
  if (url?.startsWith('/r/')) {
    const n = Number.parseInt(url.slice(3), 10);
    if (n >= 0 && n < modes.length) return n;
  }
  return server;
}

function listen(index: number): Promise<number> {
  const server = createServer((req, res) => {
    const live = req.headers['user-agent'] !== 'Kirisan-Webhook-Test/1.0';
    const r = routeOf(req.url, index);
    if (live) {
      at.push(monoMs());
      ids.push(String(req.headers['webhook-id']));
      route.push(r);
      perRoute[r]!++;
    }
    const mode = modes[r] ?? 'ok';
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
        modes = m.modes;
        perRoute = modes.map(() => 0);
        const count = Math.min(m.servers ?? modes.length, modes.length);
        const ports: number[] = [];
        for (let i = 0; i < count; i++) ports.push(await listen(i));
        send({ type: 'listening', ports });
        break;
      }
      case 'count':
        send({ type: 'count', total: ids.length, perRoute: [...perRoute], cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 });
        break;
      case 'take': {
        send({ type: 'taken', ids, at: Float64Array.from(at), route: Uint32Array.from(route) });
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
