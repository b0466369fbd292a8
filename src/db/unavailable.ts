/**
 * Whether an error means "the database cannot be reached or did not answer in time" rather
 * than "this statement is wrong": the first is retryable by the caller and answered as
 * UNAVAILABLE (HTTP 503 with Retry-After), the second is a bug or a refusal.
 *
 * Sources: node-postgres and pg-pool (connection errors, client-side query_timeout, pool
 * connect timeout), knex (pool acquire timeout), MikroORM (wraps the driver's error and copies
 * its fields), and PostgreSQL's own SQLSTATEs.
 */
const SQLSTATES = new Set([
  '57014', // query_canceled: statement_timeout
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000', '08001', '08003', '08004', '08006', '08007', // connection exceptions
  '25P03', // idle_in_transaction_session_timeout
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Query read timeout/i,
  /Timeout acquiring a connection/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  // A request still running when a stop closed the pools: pg-pool, then knex (the ORM).
  /Cannot use a pool after calling end on the pool/i,
  /Unable to acquire a connection/i,
];

export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 6; depth++) {
    const err = cur as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; previous?: unknown };
    if (typeof err.code === 'string' && (SQLSTATES.has(err.code) || SOCKET_CODES.has(err.code))) return true;
    if (err.name === 'KnexTimeoutError' || err.name === 'ConnectionException') return true;
    if (typeof err.message === 'string' && MESSAGES.some((m) => m.test(err.message as string))) return true;
    cur = err.cause ?? err.previous;
  }
  return false;
}

/**
 * Whether the server itself cancelled the statement (statement_timeout): it answered, so the
 * database is slow for this statement, not gone. The caller still gets UNAVAILABLE (retryable),
 * but the availability gate stays open: one slow statement on a busy server must not refuse
 * every other caller.
 */
export function cancelledByServer(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 6; depth++) {
    const err = cur as { code?: unknown; cause?: unknown; previous?: unknown };
    if (err.code === '57014') return true;
    cur = err.cause ?? err.previous;
  }
  return false;
}
