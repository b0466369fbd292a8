import type pg from 'pg';

export interface DeviceRow {
  id: string;
  account_id: string;
  channel: string;
  token: string;
  inbound_handler: string;
}

/** The publishing hot path's device lookup by token (unique index), scoped when accountId is given. */
export async function deviceByToken(pool: pg.Pool, token: string, accountId: string | null): Promise<DeviceRow | null> {
  const { rows } = await pool.query<DeviceRow>(
    `select id, account_id, channel, token, inbound_handler from device where token = $1 and ($2::uuid is null or account_id = $2)`,
    [token, accountId],
  );
  return rows[0] ?? null;
}
