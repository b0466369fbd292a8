/**
 * What may be told about a database error. MikroORM's DriverException (through knex) starts
 * its message with the whole statement, bound values inlined — a webhook's secret and signing
 * key in an endpoint insert — and PostgreSQL's own messages and `detail` quote values too
 * (`Key (token)=(…) already exists`, `invalid input syntax for type uuid: "…"`). So a database
 * error is described by its SQLSTATE, constraint, table, column and which statement it was,
 * never by its text.
 */
export interface DatabaseErrorFacts {
  /** SQLSTATE (`23505`) or the client's code (`ECONNREFUSED`). */
  code?: string;
  /** The SQLSTATE's condition name, or a known connection failure, in words. */
  message: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** The named statement (`claim_deliveries_v6`) or, for the ORM, its verb and table (`insert endpoint`). */
  query?: string;
}

const CONDITIONS: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22021': 'character_not_in_repertoire',
  '22P02': 'invalid_text_representation',
  '22P05': 'untranslatable_character',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '25006': 'read_only_sql_transaction',
  '25P02': 'in_failed_sql_transaction',
  '25P03': 'idle_in_transaction_session_timeout',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '42703': 'undefined_column',
  '42P01': 'undefined_table',
  '53300': 'too_many_connections',
  '54000': 'program_limit_exceeded',
  '55P03': 'lock_not_available',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '08000': 'connection_exception',
  '08003': 'connection_does_not_exist',
  '08006': 'connection_failure',
  P0001: 'raise_exception',
};

/** Client-side failures whose own words carry no value (they are kept as they are). */
const SAFE_WORDS = [
  /Connection terminated( unexpectedly| due to connection timeout)?/i,
  /timeout exceeded when trying to connect/i,
  /Query read timeout/i,
  /Timeout acquiring a connection[^.]*/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH) [\d.:[\]a-f]+/i,
];

const SQLSTATE = /^[0-9A-Z]{5}$/;
const ORM_ERRORS = /Exception$/;

/** The facts of `e` when it is a database error (pg, knex or MikroORM); null otherwise. */
export function databaseErrorFacts(e: unknown): DatabaseErrorFacts | null {
  if (!(e instanceof Error)) return null;
  const err = e as Error & { code?: unknown; severity?: unknown; sqlState?: unknown; constraint?: unknown; table?: unknown; column?: unknown; queryName?: unknown };
  const code = typeof err.code === 'string' ? err.code : typeof err.sqlState === 'string' ? err.sqlState : undefined;
  const fromServer = code !== undefined && SQLSTATE.test(code) && (typeof err.severity === 'string' || ORM_ERRORS.test(err.name));
  const fromOrm = ORM_ERRORS.test(err.name) && ('sqlMessage' in err || 'sqlState' in err || 'errno' in err);
  if (!fromServer && !fromOrm) return null;
  const condition = code !== undefined ? CONDITIONS[code] : undefined;
  const words = SAFE_WORDS.map((w) => w.exec(err.message)?.[0]).find(Boolean);
  const facts: DatabaseErrorFacts = {
    message: condition ? `database error ${code} (${condition})` : words ? `database error: ${words}` : `database error${code ? ` ${code}` : ''}`,
  };
  if (code !== undefined) facts.code = code;
  for (const k of ['constraint', 'table', 'column'] as const) if (typeof err[k] === 'string') facts[k] = err[k] as string;
  const query = typeof err.queryName === 'string' ? err.queryName : ormStatement(err.message);
  if (query) facts.query = query;
  return facts;
}

/** `insert into "endpoint" (…) values (…) - …` → `insert endpoint`; nothing after the table is read. */
function ormStatement(message: string): string | undefined {
  const m = /^\s*(insert into|update|delete from|select\b[\s\S]*?\bfrom)\s+"?([a-z_][a-z0-9_]*)"?/i.exec(message);
  if (!m) return undefined;
  const verb = m[1]!.toLowerCase().startsWith('select') ? 'select' : m[1]!.toLowerCase().split(' ')[0]!;
  return `${verb} ${m[2]!.toLowerCase()}`;
}

/** Marks a failed named statement, so that its error names the query (database.ts does it for the pool). */
export function tagQuery(e: unknown, name: string): unknown {
  if (e instanceof Error && !('queryName' in e)) Object.defineProperty(e, 'queryName', { value: name, enumerable: false });
  return e;
}
