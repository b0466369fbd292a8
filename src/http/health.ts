import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Role } from '../config.js';
import type { Database } from '../db/database.js';
import { pendingMigrations } from '../db/migrate.js';

/**
 * GET /healthz: the process is up (and which roles it runs). GET /readyz: the database answers
 * and no migration is pending, decided within `timeoutMs` so that a frozen database gets a
 * fast 503 rather than a probe that hangs. A stopping process is no longer ready.
 */
export function createHealth(p: { db: Database; roles: Role[]; timeoutMs: number }) {
  let stopping = false;

  async function readiness(): Promise<{ status: number; body: Record<string, unknown> }> {
    if (stopping) return { status: 503, body: { status: 'stopping', roles: p.roles } };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), p.timeoutMs)));
    const check = (async () => {
      await p.db.pool.query('select 1');
      return pendingMigrations(p.db.orm);
    })();
    try {
      const pending = await Promise.race([check, timeout]);
      if (pending === 'timeout') return { status: 503, body: { status: 'database not answering', roles: p.roles } };
      return {
        status: pending.length ? 503 : 200,
        body: { status: pending.length ? 'migrations pending' : 'ready', roles: p.roles, pendingMigrations: pending.length },
      };
    } catch {
      return { status: 503, body: { status: 'database unreachable', roles: p.roles } };
    } finally {
      clearTimeout(timer);
      check.catch(() => undefined);
    }
  }

  return {
    /** Returns false when the request is not a probe. */
    async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) return false;
      const { status, body } = path === '/healthz' ? { status: 200, body: { status: 'ok', roles: p.roles } } : await readiness();
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
      return true;
    },
    stopping() {
      stopping = true;
    },
  };
}
