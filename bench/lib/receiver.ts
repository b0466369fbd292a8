import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type RouteMode = 'ok' | 'fail' | 'hang';

export type ReceiverRequest = { type: 'listen'; modes: RouteMode[]; servers?: number } | { type: 'count' } | { type: 'take' } | { type: 'close' };
export type ReceiverReply =
  | { type: 'listening'; ports: number[] }
  | { type: 'count'; total: number; perRoute: number[]; cpuSeconds: number }
  | { type: 'taken'; ids: string[]; at: Float64Array; route: Uint32Array };

/** What the receiver saw since the last `take()`: one entry per live POST. */
export interface Receipts {
  ids: string[];
  /** Arrival, monotonic ms (see clock.ts). */
  at: Float64Array;
  /** Index of the route (its position in `modes`). */
  route: Uint32Array;
}

export interface ReceiverHandle {
  /** URL of each route, in the order of `modes`. */
  urls: string[];
  count(): Promise<{ total: number; perRoute: number[]; cpuSeconds: number }>;
  /** Returns everything recorded so far and starts counting from zero. */
  take(): Promise<Receipts>;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts a receiver process (children/receiver.js) for one route per entry of `modes`.
 * By default each route is a server (an origin) of its own and its URL is the origin;
 * with `servers` fewer than the routes, route i is `/r/i` on server i mod servers (many
 * endpoints, a bounded number of listening sockets).
 */
export async function startReceiver(modes: RouteMode[], servers = modes.length): Promise<ReceiverHandle> {
  const child: ChildProcess = fork(fileURLToPath(new URL('../children/receiver.js', import.meta.url)), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T extends ReceiverReply['type']>(req: ReceiverRequest, reply: T): Promise<Extract<ReceiverReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: ReceiverReply) => {
        if (m.type !== reply) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<ReceiverReply, { type: T }>);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`the receiver process exited (${code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(req);
    });
  const { ports } = await ask({ type: 'listen', modes, servers }, 'listening');
  const own = ports.length >= modes.length;
  return {
    urls: modes.map((_, i) => (own ? `http://127.0.0.1:${ports[i]}` : `http://127.0.0.1:${ports[i % ports.length]}/r/${i}`)),
    pid: child.pid ?? 0,
    count: () => ask({ type: 'count' }, 'count'),
    take: async () => {
      const m = await ask({ type: 'take' }, 'taken');
      return { ids: m.ids, at: m.at, route: m.route };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
