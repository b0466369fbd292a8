import type pg from 'pg';
import { webhookIds } from '../../src/core/webhookIds.js';
import { readInstallationId } from '../../src/db/sql/installation.js';
import type { Receipts } from './receiver.js';

/** Published vs delivered for a set of endpoints: the bench's exactly-once check. */
export interface DeliveryCount {
  /** Deliveries the gateway queued for these endpoints (events × endpoints). */
  published: number;
  /** Distinct webhook-ids of those deliveries the receiver got. */
  delivered: number;
  /** POSTs beyond the first for the same webhook-id. */
  duplicates: number;
  /** webhook-ids the receiver got that were not queued in this run. */
  unknown: number;
  /** published = delivered, no duplicate, nothing unknown. */
  exactlyOnce: boolean;
}

/**
 * Deliveries of `endpointIds` queued after delivery id `afterId`, by webhook-id, with their
 * event: those still queued, and those delivered (a delivered delivery leaves the queue; its
 * attempts name it).
 */
export async function deliveriesSince(pool: pg.Pool, afterId: string, endpointIds: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ id: string; event_id: string }>(
    `select id, event_id from delivery where id > $1 and endpoint_id = any($2::uuid[])
     union
     select delivery_id, event_id from attempt where delivery_id > $1 and endpoint_id = any($2::uuid[]) and not test`,
    [afterId, endpointIds],
  );
  const ids = webhookIds(await readInstallationId(pool));
  return new Map(rows.map((r) => [ids.delivery(r.id), r.event_id]));
}

/** The last delivery id handed out (the queue itself may be empty). */
export async function lastDeliveryId(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`select coalesce(pg_sequence_last_value(pg_get_serial_sequence('delivery', 'id')::regclass), 0)::text as id`);
  return rows[0]?.id ?? '0';
}

/** How many of `endpointIds`' deliveries after `afterId` were delivered (their success attempt committed). */
export async function deliveredSince(pool: pg.Pool, afterId: string, endpointIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(distinct delivery_id)::int as n from attempt
      where delivery_id > $1 and endpoint_id = any($2::uuid[]) and outcome = 'success' and not test`,
    [afterId, endpointIds],
  );
  return rows[0]?.n ?? 0;
}

/** Counts the receipts of routes `< routes` against the queued deliveries. */
export function countDeliveries(r: Receipts, routes: number, queued: Map<string, string>, expected: number): DeliveryCount {
  const seen = new Set<string>();
  let received = 0;
  let unknown = 0;
  for (let i = 0; i < r.ids.length; i++) {
    if (r.route[i]! >= routes) continue;
    received++;
    const id = r.ids[i]!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!queued.has(id)) unknown++;
  }
  const delivered = seen.size - unknown;
  const duplicates = received - seen.size;
  return { published: expected, delivered, duplicates, unknown, exactlyOnce: expected === queued.size && delivered === expected && duplicates === 0 && unknown === 0 };
}
