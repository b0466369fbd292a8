import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/database.js';
import { pendingMigrations } from '../db/database.js';

/**
 * GET /healthz: the process is up. GET /readyz: the database answers and no migration is
 * pending. Returns false when the request is not one of these.
 */
export async function handleHealth(db: Database, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false;
  if (path === '/healthz') {
    send(res, 200, { status: 'ok' });
    return true;
  }
  try {
    await db.pool.query('select 1');
    const pending = await pendingMigrations(db.orm);
    send(res, pending ? 503 : 200, { status: pending ? 'migrations pending' : 'ready', pendingMigrations: pending });
  } catch {
    send(res, 503, { status: 'database unreachable' });
  }
  return true;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
