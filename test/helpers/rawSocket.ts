import WebSocket from 'ws';

export interface RawSocket {
  /** Every message the server sent, parsed. */
  messages: Array<{ type: string; id?: string; payload?: unknown }>;
  /** Resolves with the close code and reason, or the HTTP status when the upgrade was refused. */
  closed: Promise<{ code: number; reason: string } | { status: number; retryAfter: string | null }>;
  /** Resolves once the server acknowledged `connection_init`. */
  acked: Promise<void>;
  send(message: unknown): void;
  close(): void;
}

/**
 * A graphql-ws connection at the protocol level, to see exactly what the server does with a
 * `connection_init` (ack, or close with which code) rather than what a client library makes of it.
 */
export function rawSocket(base: string, connectionParams: Record<string, unknown> = {}): RawSocket {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: RawSocket['messages'] = [];
  let ack: () => void = () => undefined;
  const acked = new Promise<void>((resolve) => (ack = resolve));
  const closed = new Promise<{ code: number; reason: string } | { status: number; retryAfter: string | null }>((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null });
      res.resume();
      ws.terminate();
    });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', () => undefined);
  });
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as RawSocket['messages'][number];
    messages.push(m);
    if (m.type === 'connection_ack') ack();
  });
  return {
    messages,
    closed,
    acked,
    send: (message) => ws.send(JSON.stringify(message)),
    close: () => ws.close(),
  };
}
