import pg from 'pg';
import { connectionOptions, type DatabaseSettings } from './database.js';

export type NotificationHandler = (channel: string, payload: string) => void;

export interface Listener {
  on(channel: string, handler: NotificationHandler): () => void;
  /**
   * Called each time the connection is back after it was lost. Notifications sent while it was
   * away are gone for good: a consumer catches up on what it may have missed (the live log
   * reads the attempts made meanwhile, workers claim at once).
   */
  onReconnect(handler: () => void): () => void;
  /** Resolves once LISTEN is in place on every channel registered so far. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface ListenerOptions {
  settings: DatabaseSettings;
  onError?: (e: unknown) => void;
  /** How often the connection is checked with a query, ms: a frozen server sends no error. @default 5_000 */
  heartbeatMs?: number;
}

/**
 * LISTEN on a dedicated connection (a pooled one may be handed to someone else between
 * notifications). A connection that errors, or that does not answer a heartbeat query in time
 * (a server frozen or behind a dead network says nothing), is dropped and replaced with
 * backoff; then every onReconnect handler runs.
 */
export function createListener(url: string, opts: ListenerOptions): Listener {
  const onError = opts.onError ?? (() => undefined);
  const handlers = new Map<string, Set<NotificationHandler>>();
  const reconnectHandlers = new Set<() => void>();
  let client: pg.Client | null = null;
  let closed = false;
  let connecting: Promise<void> | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  async function connect(): Promise<void> {
    let retryMs = 100;
    while (!closed) {
      const c = new pg.Client(connectionOptions(url, opts.settings));
      try {
        c.on('error', (e) => lost(c, e));
        c.on('end', () => lost(c, new Error('the LISTEN connection ended')));
        await c.connect();
        c.on('notification', (n) => {
          for (const h of handlers.get(n.channel) ?? []) safe(() => h(n.channel, n.payload ?? ''));
        });
        for (const channel of handlers.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        if (closed) {
          await c.end();
          return;
        }
        client = c;
        startHeartbeat(c);
        return;
      } catch (e) {
        onError(e);
        void c.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, retryMs));
        retryMs = Math.min(retryMs * 2, 5_000);
      }
    }
  }

  function startHeartbeat(c: pg.Client): void {
    let beating = false;
    heartbeat = setInterval(() => {
      if (beating || client !== c) return;
      beating = true;
      c.query('select 1').then(
        () => (beating = false),
        (e: unknown) => lost(c, e),
      );
    }, opts.heartbeatMs ?? 5_000);
    heartbeat.unref();
  }

  function lost(c: pg.Client, e: unknown): void {
    if (client !== c) return;
    client = null;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    onError(e);
    // Not awaited: a frozen server would hold end() until it wakes up.
    void c.end().catch(() => undefined);
    if (closed) return;
    connecting = connect().then(() => {
      if (!closed) for (const h of reconnectHandlers) safe(h);
    });
  }

  function safe(f: () => void): void {
    try {
      f();
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
        // After the connection being made (or remade) is up; a connection made later LISTENs on
        // every registered channel by itself, and LISTEN twice is harmless.
        connecting = (connecting ?? Promise.resolve()).then(async () => {
          const c = client;
          if (c) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch((e: unknown) => lost(c, e));
        });
      }
      set.add(handler);
      return () => set.delete(handler);
    },
    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => reconnectHandlers.delete(handler);
    },
    async ready() {
      await connecting;
    },
    async close() {
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      await connecting?.catch(() => undefined);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
