import { databaseErrorFacts } from './db/errorFacts.js';
import { SECRET_SHAPES } from './core/security/secrets.js';

/**
 * Two layers that keep secrets out of log lines, behind the first one (not logging them):
 *
 * 1. `serializeError` writes errors field by field: a database error as its SQLSTATE,
 *    constraint, table and statement name only (its text inlines bound values, see
 *    db/errorFacts.ts), anything else as its name, message, stack and plain own fields, with
 *    the same treatment down the `cause` chain.
 * 2. `createRedactor` rewrites every finished line: whatever has the shape of a signing key
 *    (`whsec_…`), an API key (`kir_…`) or a Telegram bot token, and the exact values of the
 *    settings that are secrets (the platform key, …), become `[redacted]`.
 */

const CAUSE_DEPTH = 5;
/** Own fields that hold statement text or values in some client's errors. */
const NEVER = new Set(['sql', 'query', 'parameters', 'params', 'bindings', 'detail', 'where', 'internalQuery', 'hint', 'sqlMessage', 'previous', 'stack', 'message', 'cause', 'name']);

export function serializeError(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return e;
  const facts = databaseErrorFacts(e);
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  const out: Record<string, unknown> = { type: e.name };
  if (facts) {
    Object.assign(out, facts);
    out.stack = [`${e.name}: ${facts.message}`, ...frames].join('\n');
  } else {
    out.message = e.message;
    out.stack = e.stack;
    for (const [k, v] of Object.entries(e)) {
      if (!NEVER.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out[k] = v;
    }
  }
  const cause = (e as { cause?: unknown }).cause ?? (facts ? undefined : (e as { previous?: unknown }).previous);
  if (cause !== undefined && depth < CAUSE_DEPTH) out.cause = serializeError(cause, depth + 1);
  return out;
}

const REDACTED = '[redacted]';

/** A function that redacts secrets by shape and the given exact values from a log line. */
export function createRedactor(known: ReadonlyArray<string | undefined | null>): (line: string) => string {
  // Each value as it appears in a JSON line too (quotes and backslashes escaped); longest
  // first, so that a secret containing another is replaced whole.
  const values = [...new Set(known.filter((v): v is string => typeof v === 'string' && v.length >= 8).flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))].sort(
    (a, b) => b.length - a.length,
  );
  return (line) => {
    let out = line;
    for (const shape of SECRET_SHAPES) out = out.replace(shape, REDACTED);
    for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  };
}
