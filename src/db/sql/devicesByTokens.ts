import type pg from 'pg';

/** A device as publishing needs it. */
export interface DeviceRow {
  id: string;
  account_id: string;
  channel: string;
  token: string;
  inbound_handler: string;
}

/**
 * The publishing hot path's device lookup: many tokens in one prepared statement (unique
 * index on token), of any account (publishes of several accounts are looked up together;
 * core/dispatch/publish.ts refuses a device that is not the caller's).
 */
export async function devicesByTokens(pool: pg.Pool, tokens: string[]): Promise<Map<string, DeviceRow>> {
  const { rows } = await pool.query<DeviceRow>({
    name: 'devices_by_tokens',
    text: `select id, account_id, channel, token, inbound_handler from device where token = any($1::text[])`,
    values: [[...new Set(tokens)]],
  });
  return new Map(rows.map((r) => [r.token, r]));
}
