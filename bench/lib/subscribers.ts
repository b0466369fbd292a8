import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SubscriberSpec {
  apiKey: string;
  /** GraphQL AttemptFilter variables, or null for every attempt. */
  filter: Record<string, unknown> | null;
}

export type SubscriberRequest = { type: 'start'; url: string; subs: SubscriberSpec[] } | { type: 'status' } | { type: 'take' } | { type: 'close' };
export type SubscriberReply =
  | { type: 'started' }
  | { type: 'status'; reached: number; errors: number; lastError: string }
  | { type: 'taken'; ids: string[]; at: Float64Array; sub: Uint16Array; errors: number };

export interface SubscribersHandle {
  /** How many subscribers got at least one message since the last take, and errors so far. */
  status(): Promise<{ reached: number; errors: number; lastError: string }>;
  take(): Promise<{ ids: string[]; at: Float64Array; sub: Uint16Array; errors: number }>;
  close(): Promise<void>;
}

/** Starts the subscriber process (children/subscribers.js). */
export async function startSubscribers(url: string, subs: SubscriberSpec[]): Promise<SubscribersHandle> {
  const child: ChildProcess = fork(fileURLToPath(new URL('../children/subscribers.js', import.meta.url)), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T extends SubscriberReply['type']>(req: SubscriberRequest, reply: T): Promise<Extract<SubscriberReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: SubscriberReply) => {
        if (m.type !== reply) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<SubscriberReply, { type: T }>);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`the subscriber process exited (${code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(req);
    });
  await ask({ type: 'start', url, subs }, 'started');
  return {
    status: () => ask({ type: 'status' }, 'status'),
    take: () => ask({ type: 'take' }, 'taken'),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
