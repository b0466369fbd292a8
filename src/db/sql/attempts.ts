import type pg from 'pg';

/** Filters of Webhooks → Logs, as the database applies them (already validated). */
export interface AttemptQuery {
  accountId: string;
  /** LIKE pattern (escaped, ending in %) matched against device token or identifier. */
  devicePattern: string | null;
  eventNames: string[] | null;
  outcomes: string[] | null;
  channels: string[] | null;
  deviceId: string | null;
  endpointId: string | null;
  endpointIds: string[] | null;
  test: boolean | null;
  from: Date | null;
  to: Date | null;
  /** Keyset: (started_at as UTC text with microseconds, id) of the last row seen. */
  after: [string, string] | null;
  limit: number;
}

export interface AttemptRow {
  id: string;
  account_id: string;
  delivery_id: string | null;
  endpoint_id: string | null;
  webhook_name: string;
  device_id: string | null;
  device_name: string | null;
  device_identifier: string | null;
  device_token: string | null;
  channel: string;
  event_name: string;
  url: string;
  test: boolean;
  started_at: Date;
  started_key: string;
  duration_ms: number;
  http_code: number | null;
  outcome: 'success' | 'failed';
  error_code: string | null;
  error_text: string | null;
  response_body: string | null;
  attempt_number: number;
}

const COLUMNS = `a.id, a.account_id, a.delivery_id, a.endpoint_id, a.webhook_name, a.device_id,
  dv.name as device_name, dv.identifier as device_identifier, dv.token as device_token,
  a.channel, a.event_name, a.url, a.test, a.started_at,
  to_char(a.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as started_key,
  a.duration_ms, a.http_code, a.outcome, a.error_code, a.error_text, a.response_body, a.attempt_number`;

/**
 * How far back from the page's newest possible row the first statement of a page looks. The
 * log has a partition per day; a statement bounded by constants is planned over the days in
 * its range only, and planning over every day of the retention period (30 partitions, 9
 * indexes each) cost 4–15 ms against 0.2–0.5 ms of execution; bounded to two days, 0.6–0.9 ms.
 */
const FIRST_LOOK_MS = 2 * 86_400_000;

/**
 * One page of the log, newest first, keyset on (started_at, id); every filter is an index
 * prefix. The page is read from the newest two days in range first and, only when they hold
 * less than a page, from the rest (the same order: every row of the first part is newer than
 * every row of the second).
 */
export async function queryAttempts(pool: pg.Pool, q: AttemptQuery): Promise<AttemptRow[]> {
  const newestPossible = q.after ? new Date(`${q.after[0]}Z`) : q.to;
  const split = new Date((newestPossible?.getTime() ?? Date.now()) - FIRST_LOOK_MS);
  if (q.from && q.from.getTime() >= split.getTime()) return queryRange(pool, q);
  const newest = await queryRange(pool, { ...q, from: split });
  if (newest.length >= q.limit) return newest;
  const older = await queryRange(pool, { ...q, to: q.to && q.to.getTime() < split.getTime() ? q.to : split, limit: q.limit - newest.length });
  return [...newest, ...older];
}

async function queryRange(pool: pg.Pool, q: AttemptQuery): Promise<AttemptRow[]> {
  const params: unknown[] = [q.accountId];
  const where = ['a.account_id = $1'];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (q.devicePattern !== null) {
    add((n) => `a.device_id in (select id from device where account_id = $1 and (token like ${n} or identifier like ${n}))`, q.devicePattern);
  }
  if (q.eventNames) add((n) => `a.event_name = any(${n}::text[])`, q.eventNames);
  if (q.outcomes) add((n) => `a.outcome = any(${n}::text[])`, q.outcomes);
  if (q.channels) add((n) => `a.channel = any(${n}::text[])`, q.channels);
  if (q.deviceId) add((n) => `a.device_id = ${n}`, q.deviceId);
  if (q.endpointId) add((n) => `a.endpoint_id = ${n}`, q.endpointId);
  if (q.endpointIds) add((n) => `a.endpoint_id = any(${n}::uuid[])`, q.endpointIds);
  if (q.test !== null) add((n) => `a.test = ${n}`, q.test);
  if (q.from) add((n) => `a.started_at >= ${n}`, q.from);
  if (q.to) add((n) => `a.started_at < ${n}`, q.to);
  if (q.after) {
    params.push(q.after[0], q.after[1]);
    const at = `($${params.length - 1})::timestamp at time zone 'UTC'`;
    // The plain bound lets the planner leave out the days after the cursor; the row comparison alone does not.
    where.push(`a.started_at <= ${at}`, `(a.started_at, a.id) < (${at}, $${params.length}::bigint)`);
  }
  params.push(q.limit);
  const { rows } = await pool.query<AttemptRow>(
    `select ${COLUMNS} from attempt a left join device dv on dv.id = a.device_id
      where ${where.join(' and ')}
      order by a.started_at desc, a.id desc
      limit $${params.length}`,
    params,
  );
  return rows;
}

/**
 * Attempts by id (a detail view, or the live feed after a NOTIFY), limited to some accounts.
 * The ids are looked up on their own (OFFSET 0 keeps the planner from merging the account
 * test in): a day's partition starts without statistics, and planned together the account
 * condition looked selective enough to walk the account's whole day through another index,
 * a cost that grew with every attempt of the day (the live feed fell seconds behind).
 */
export async function attemptsByIds(pool: pg.Pool, ids: string[], accountIds: string[]): Promise<AttemptRow[]> {
  const { rows } = await pool.query<AttemptRow>({
    name: 'attempts_by_ids',
    text: `select ${COLUMNS}
             from (select * from attempt where id = any($1::bigint[]) offset 0) a
             left join device dv on dv.id = a.device_id
            where a.account_id = any($2::uuid[])
            order by a.id`,
    values: [ids, accountIds],
  });
  return rows;
}

/**
 * Attempts of some accounts recorded after attempt `afterId`, oldest first: what the live log
 * catches up on after its LISTEN connection was lost (ids grow with every insert).
 */
export async function attemptsAfter(pool: pg.Pool, accountIds: string[], afterId: string, limit: number): Promise<AttemptRow[]> {
  const { rows } = await pool.query<AttemptRow>(
    `select ${COLUMNS} from attempt a left join device dv on dv.id = a.device_id
      where a.account_id = any($1::uuid[]) and a.id > $2::bigint
      order by a.id
      limit $3`,
    [accountIds, afterId, limit],
  );
  return rows;
}

/** The newest attempt id (0 on an empty log): where a live feed's catch-up starts from. */
export async function newestAttemptId(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string | null }>('select max(id) as id from attempt');
  return rows[0]?.id ?? '0';
}
