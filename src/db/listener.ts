import pg from 'pg';

export type NotificationHandler = (channel: string, payload: string) => void;

export interface Listener {
  on(channel: string, handler: NotificationHandler): () => void;
  /** Resolves once LISTEN is in place on every channel registered so far. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTEN on a dedicated connection (a pooled one may be handed to someone else between
 * notifications). On connection loss it reconnects with backoff and tells every handler
 * with a `reconnect` notification on channel '*', so that consumers can catch up on
 * whatever was announced while it was away.
 */
export function createListener(url: string, onError: (e: unknown) => void = () => undefined): Listener {
  const handlers = new Map<string, Set<NotificationHandler>>();
  let client: pg.Client | null = null;
  let closed = false;
  let connecting: Promise<void> | null = null;
  let retryMs = 100;

  async function connect(): Promise<void> {
    while (!closed) {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        c.on('notification', (n) => {
          for (const h of handlers.get(n.channel) ?? []) safe(h, n.channel, n.payload ?? '');
        });
        c.on('error', (e) => {
          onError(e);
          if (client === c) {
            client = null;
            c.end().catch(() => undefined);
            if (!closed) connecting = reconnect();
          }
        });
        for (const channel of handlers.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        if (closed) {
          await c.end();
          return;
        }
        client = c;
        retryMs = 100;
        return;
      } catch (e) {
        onError(e);
        await c.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, retryMs));
        retryMs = Math.min(retryMs * 2, 5_000);
      }
    }
  }

  async function reconnect(): Promise<void> {
    await connect();
    for (const set of handlers.values()) for (const h of set) safe(h, '*', 'reconnect');
  }

  function safe(h: NotificationHandler, channel: string, payload: string) {
    try {
      h(channel, payload);
    } catch (e) {
      onError(e);
    }
  }

  connecting = connect();

  return {
    on(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        const listen = (connecting ?? Promise.resolve()).then(async () => {
          if (client) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        });
        connecting = listen.catch(onError);
      }
      set.add(handler);
      return () => set.delete(handler);
    },
    async ready() {
      await connecting;
    },
    async close() {
      closed = true;
      await connecting?.catch(() => undefined);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
