import type pg from 'pg';
import { monoMs } from './clock.js';
import { fmt, progress } from './progress.js';

export interface AttemptHistorySpec {
  rows: number;
  /** 60% of the rows belong to `account`, the rest to `other`. */
  account: string;
  other: string;
  devices: Array<{ id: string; channel: string }>;
  endpoints: string[];
  /** Days of history, ending now. */
  days: number;
}

/**
 * A long attempt log, generated in SQL as fast as this machine allows: the log's indexes
 * are dropped, the rows inserted with generate_series in chunks, and the indexes built again
 * from their own definitions (one sorted build costs a fraction of millions of index
 * insertions), then ANALYZE. 60% of the rows are `account`'s, spread evenly over `days` up
 * to now across the devices and endpoints; 50% incoming messages, 40% submissions, 5%
 * legacy submission.completed, 5% message status; 1% failed; 0.05% tests.
 */
export async function generateAttemptHistory(pool: pg.Pool, s: AttemptHistorySpec, phase: string): Promise<number> {
  const t0 = monoMs();
  const client = await pool.connect();
  try {
    await client.query(`set maintenance_work_mem = '512MB'`);
    // The log is partitioned by day: every day of the history needs its partition.
    await client.query(`select ensure_attempt_partitions(now() - make_interval(days => $1 + 1), now() + interval '1 day')`, [s.days]);
    const { rows: defs } = await client.query<{ name: string; def: string }>(
      `select i.relname as name, pg_get_indexdef(i.oid) as def
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
        where t.relname = 'attempt' and t.relnamespace = 'public'::regnamespace and not x.indisprimary
          and not exists (select 1 from pg_inherits h where h.inhrelid = i.oid)`,
    );
    for (const d of defs) await client.query(`drop index ${d.name}`);
    const chunk = 1_000_000;
    const span = s.days * 86_400;
    for (let from = 1; from <= s.rows; from += chunk) {
      const to = Math.min(s.rows, from + chunk - 1);
      await client.query(
        `insert into attempt (account_id, delivery_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
                              started_at, duration_ms, http_code, outcome, error_code, error_text, response_body, attempt_number)
         select case when g % 10 < 6 then $1::uuid else $2::uuid end,
                g, ($5::uuid[])[1 + g % $8], 'Bench webhook ' || (g % $8),
                ($3::uuid[])[1 + (g * 7) % $7], ($4::text[])[1 + (g * 7) % $7],
                case when r < 0.5 then 'incoming_message' when r < 0.9 then 'submission' when r < 0.95 then 'submission.completed' else 'message_status' end,
                'https://hooks.example.com/bench/' || (g % $8), (g % 2000) = 3,
                now() - make_interval(secs => $6 * (1 - g::float8 / $9)), (r * 900)::int,
                case when f then 503 else 200 end, case when f then 'failed' else 'success' end,
                case when f then 'http_status' end, case when f then 'HTTP 503: only 200 or 201 count as success' end,
                case when f then 'upstream overloaded' else 'ok' end, 1
           from (select g, random() as r, random() < 0.01 as f from generate_series($10::int, $11::int) g) x`,
        [s.account, s.other, s.devices.map((d) => d.id), s.devices.map((d) => d.channel), s.endpoints, span, s.devices.length, s.endpoints.length, s.rows, from, to],
      );
      progress(phase, `generated ${fmt(to)}/${fmt(s.rows)} attempt rows (${((monoMs() - t0) / 1000).toFixed(0)} s)`);
    }
    for (const d of defs) {
      // An index of the partitioned table is built on every partition (ON ONLY would not).
      await client.query(d.def.replace(' ON ONLY ', ' ON '));
      progress(phase, `index ${d.name} built (${((monoMs() - t0) / 1000).toFixed(0)} s)`);
    }
    await client.query('vacuum analyze attempt');
  } finally {
    client.release();
  }
  return (monoMs() - t0) / 1000;
}
