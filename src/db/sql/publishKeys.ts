import type pg from 'pg';

/** One idempotency key of a publish: scoped to the device's account. */
export interface PublishKey {
  accountId: string;
  key: string;
}

export interface StoredPublish extends PublishKey {
  /** Hash of what was published under the key (device, event type, payload). */
  requestHash: string;
  eventId: string;
  deliveries: number;
  notRoutedReason: string | null;
}

const pairs = (keys: PublishKey[]) => [keys.map((k) => k.accountId), keys.map((k) => k.key)];

/**
 * Claims idempotency keys inside the publishing transaction and returns those this call won
 * (`accountId key`). A key held by a publish still in flight makes this statement wait on the
 * primary key until that transaction ends: if it commits, the key is not won here and the
 * caller reads that publish's result; if it rolls back, the key is won here. A key older than
 * the window is taken over as new. Keys must be unique and sorted (two calls claiming
 * overlapping keys then lock them in the same order and cannot deadlock).
 */
export async function claimPublishKeys(client: pg.PoolClient, windowMs: number, keys: Array<PublishKey & { requestHash: string }>): Promise<Set<string>> {
  const { rows } = await client.query<{ account_id: string; key: string }>({
    name: 'claim_publish_keys',
    text: `insert into publish_key (account_id, key, request_hash)
           select * from unnest($1::uuid[], $2::text[], $3::text[])
           on conflict (account_id, key) do update
              set request_hash = excluded.request_hash, event_id = null, deliveries = null, not_routed_reason = null, created_at = now()
            where publish_key.created_at < now() - $4 * interval '1 millisecond'
           returning account_id, key`,
    values: [...pairs(keys), keys.map((k) => k.requestHash), windowMs],
  });
  return new Set(rows.map((r) => `${r.account_id} ${r.key}`));
}

/** What earlier publishes stored under these keys (committed ones only: claimPublishKeys waited for them). */
export async function readPublishKeys(client: pg.PoolClient, keys: PublishKey[]): Promise<Map<string, StoredPublish>> {
  const { rows } = await client.query<{ account_id: string; key: string; request_hash: string; event_id: string; deliveries: number; not_routed_reason: string | null }>({
    name: 'read_publish_keys',
    text: `select p.account_id, p.key, p.request_hash, p.event_id, p.deliveries, p.not_routed_reason
             from publish_key p join unnest($1::uuid[], $2::text[]) as k(account_id, key) on p.account_id = k.account_id and p.key = k.key`,
    values: pairs(keys),
  });
  return new Map(
    rows.map((r) => [
      `${r.account_id} ${r.key}`,
      { accountId: r.account_id, key: r.key, requestHash: r.request_hash, eventId: r.event_id, deliveries: r.deliveries, notRoutedReason: r.not_routed_reason },
    ]),
  );
}

/** Stores each won key's result, in the transaction that won it. */
export async function recordPublishKeys(client: pg.PoolClient, results: Array<Omit<StoredPublish, 'requestHash'>>): Promise<void> {
  await client.query({
    name: 'record_publish_keys',
    text: `update publish_key p set event_id = r.event_id, deliveries = r.deliveries, not_routed_reason = r.reason
             from unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[]) as r(account_id, key, event_id, deliveries, reason)
            where p.account_id = r.account_id and p.key = r.key`,
    values: [...pairs(results), results.map((r) => r.eventId), results.map((r) => r.deliveries), results.map((r) => r.notRoutedReason)],
  });
}

/** Forgets keys older than the window (a retry after that publishes anew). */
export async function prunePublishKeys(pool: pg.Pool, windowMs: number): Promise<number> {
  const { rowCount } = await pool.query(`delete from publish_key where created_at < now() - $1 * interval '1 millisecond'`, [windowMs]);
  return rowCount ?? 0;
}
