import type pg from 'pg';
import type { Queryable } from '../transaction.js';

/**
 * One page of webhooks (logical rows: endpoints grouped by webhook_id), newest first,
 * keyset on (created_at, webhook_id). Search matches name or URL, case-insensitive.
 */
export async function webhookPage(
  db: Queryable,
  p: { accountId: string; search: string | null; after: [string, string] | null; limit: number },
): Promise<Array<{ webhook_id: string; created_at: string }>> {
  const { rows } = await db.query<{ webhook_id: string; created_at: string }>(
    `select webhook_id, to_char(min(created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as created_at
       from endpoint
      where account_id = $1
        and ($2::text is null or name ilike $2 escape '\\' or url ilike $2 escape '\\')
      group by webhook_id
     having $3::timestamp is null or (min(created_at) at time zone 'UTC', webhook_id) < ($3::timestamp, $4::uuid)
      order by min(created_at) desc, webhook_id desc
      limit $5`,
    [p.accountId, p.search, p.after?.[0] ?? null, p.after?.[1] ?? null, p.limit],
  );
  return rows;
}

export async function webhookSummary(pool: pg.Pool, accountId: string): Promise<{ webhooks: number; deviceLinks: number; active: number; disabled: number; endpoints: number }> {
  const { rows } = await pool.query(
    // A webhook_id is one name + URL + secret group (saves and edits refuse a second holder of
    // a group: core/registry/webhooks.ts), so this counts the rows the list shows.
    `select (select count(distinct webhook_id) from endpoint where account_id = $1)::int as webhooks,
            (select count(*) from endpoint_device ed join endpoint e on e.id = ed.endpoint_id where e.account_id = $1)::int as device_links,
            (select count(*) from endpoint where account_id = $1 and status = 'active')::int as active,
            (select count(*) from endpoint where account_id = $1 and status = 'disabled')::int as disabled,
            (select count(*) from endpoint where account_id = $1)::int as endpoints`,
    [accountId],
  );
  const r = rows[0] as { webhooks: number; device_links: number; active: number; disabled: number; endpoints: number };
  return { webhooks: r.webhooks, deviceLinks: r.device_links, active: r.active, disabled: r.disabled, endpoints: r.endpoints };
}
