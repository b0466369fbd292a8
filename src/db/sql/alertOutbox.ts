import type pg from 'pg';
import type { SqlClient } from '../database.js';
import { ALERT_CHANNEL } from './channels.js';

/**
 * The alert outbox: one row per (alert, recipient), written in the transaction that decided
 * the alert and deleted once that recipient has it. Any process with a notifier for the
 * row's recipient kind may claim it (a lease on `run_at`, SKIP LOCKED), so an alert decided
 * where no notifier runs still goes out, and one decided while Telegram or the receiver is
 * down goes out later.
 */

/** Alert ids, taken before the rows are written (the alert JSON carries its id). */
export async function nextAlertIds(client: SqlClient, n: number): Promise<string[]> {
  if (!n) return [];
  const { rows } = await client.query<{ id: string }>(`select nextval('alert_id_seq')::text as id from generate_series(1, $1)`, [n]);
  return rows.map((r) => r.id);
}

export interface OutboxAlert {
  id: string;
  accountId: string;
  endpointId: string;
  /** The alert as JSON (core/alerts/alertJson.ts). */
  body: unknown;
  /** Starts the endpoint's episode: a recipient it does not reach is out of the episode (its thread ends). */
  opensEpisode: boolean;
  /**
   * Goes only to recipients in the endpoint's episode: those with a thread for it (a send of
   * the episode reached them), or an alert of it queued for them, earlier in this call included.
   */
  withinEpisode: boolean;
}

/**
 * Inside the deciding transaction: one row per recipient the account has now (its admin
 * chats, its alert webhook, under the recipient kind names core gives them; for a
 * `withinEpisode` alert, those of them in the episode), then a wake-up for the senders (sent at
 * commit). Returns the number of rows written.
 */
export async function enqueueAlerts(client: SqlClient, alerts: OutboxAlert[], kinds: { adminChat: string; alertWebhook: string }): Promise<number> {
  if (!alerts.length) return 0;
  const { rows } = await client.query<{ n: number }>(
    `with a as (
       select * from unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::jsonb[], $7::bool[], $8::bool[]) as a(alert_id, account_id, endpoint_id, body, opens, within)
     ), r as (
       select a.*, $5::text as recipient_kind, c.chat_id::text as recipient from a join admin_chat c on c.account_id = a.account_id
       union all
       select a.*, $6::text, w.account_id::text from a join alert_webhook w on w.account_id = a.account_id
     ), ins as (
       insert into alert_outbox (alert_id, account_id, endpoint_id, recipient_kind, recipient, alert)
       select alert_id, account_id, endpoint_id, recipient_kind, recipient, body from r
        where not r.within
           or exists (select 1 from r e where e.endpoint_id = r.endpoint_id and e.recipient_kind = r.recipient_kind and e.recipient = r.recipient and e.alert_id < r.alert_id and not e.within)
           or exists (select 1 from alert_thread t where t.endpoint_id = r.endpoint_id and t.recipient_kind = r.recipient_kind and t.recipient = r.recipient)
           or exists (select 1 from alert_outbox o where o.endpoint_id = r.endpoint_id and o.recipient_kind = r.recipient_kind and o.recipient = r.recipient)
        order by alert_id
       returning 1
     ), ended as (
       delete from alert_thread t using a
        where a.opens and t.endpoint_id = a.endpoint_id
          and not exists (select 1 from r where r.alert_id = a.alert_id and r.recipient_kind = t.recipient_kind and r.recipient = t.recipient)
       returning 1
     ), wake as (select pg_notify('${ALERT_CHANNEL}', '') from (select 1 from ins limit 1) x)
     select (select count(*) from ins)::int as n, (select count(*) from ended), (select count(*) from wake)`,
    [alerts.map((a) => a.id), alerts.map((a) => a.accountId), alerts.map((a) => a.endpointId), alerts.map((a) => JSON.stringify(a.body)), kinds.adminChat, kinds.alertWebhook, alerts.map((a) => a.opensEpisode), alerts.map((a) => a.withinEpisode)],
  );
  return rows[0]?.n ?? 0;
}

export interface ClaimedAlert {
  rowId: string;
  endpointId: string;
  recipientKind: string;
  recipient: string;
  alert: unknown;
  /** Sends tried so far, this one included. */
  tries: number;
  createdAt: Date;
  /** What earlier sends of the episode to this recipient left (thread entries as JSON), or null. */
  thread: unknown;
}

/**
 * Claims due rows of these recipient kinds, oldest first, each leased for `leaseMs`. Only
 * the oldest row of each (endpoint, recipient) is ever claimable, so a recipient gets an
 * endpoint's alerts in order (a recovery never overtakes the alert it resolves) and one at
 * a time (the thread a send reads is the one the previous send left).
 */
export async function claimAlerts(pool: pg.Pool, p: { kinds: string[]; limit: number; leaseMs: number }): Promise<ClaimedAlert[]> {
  const { rows } = await pool.query<{ id: string; endpoint_id: string; recipient_kind: string; recipient: string; alert: unknown; tries: number; created_at: Date; entries: unknown }>(
    `with claimed as (
       update alert_outbox o set run_at = now() + make_interval(secs => $3::int / 1000.0), tries = o.tries + 1
        where o.id in (
          select c.id from alert_outbox c
           where c.recipient_kind = any($1::text[]) and c.run_at <= now()
             and not exists (
               select 1 from alert_outbox p
                where p.endpoint_id = c.endpoint_id and p.recipient_kind = c.recipient_kind and p.recipient = c.recipient and p.id < c.id)
           order by c.id
           limit $2
             for update skip locked)
       returning o.id, o.endpoint_id, o.recipient_kind, o.recipient, o.alert, o.tries, o.created_at
     )
     select c.*, t.entries from claimed c
       left join alert_thread t on t.endpoint_id = c.endpoint_id and t.recipient_kind = c.recipient_kind and t.recipient = c.recipient
      order by c.id`,
    [p.kinds, p.limit, p.leaseMs],
  );
  return rows.map((r) => ({ rowId: r.id, endpointId: r.endpoint_id, recipientKind: r.recipient_kind, recipient: r.recipient, alert: r.alert, tries: r.tries, createdAt: r.created_at, thread: r.entries }));
}

/**
 * The recipient has the alert: deletes the row and sets the recipient's thread for the
 * endpoint (null ends it), in one statement.
 */
export async function completeAlert(pool: pg.Pool, rowId: string, thread: unknown[] | null): Promise<void> {
  await pool.query(
    `with d as (
       delete from alert_outbox where id = $1 returning endpoint_id, recipient_kind, recipient
     ), up as (
       insert into alert_thread (endpoint_id, recipient_kind, recipient, entries)
       select endpoint_id, recipient_kind, recipient, $2::jsonb from d where $2::jsonb is not null
       on conflict (endpoint_id, recipient_kind, recipient) do update set entries = excluded.entries, updated_at = now()
       returning 1
     ), ended as (
       delete from alert_thread t using d
        where $2::jsonb is null and t.endpoint_id = d.endpoint_id and t.recipient_kind = d.recipient_kind and t.recipient = d.recipient
       returning 1
     )
     select (select count(*) from up), (select count(*) from ended)`,
    [rowId, thread === null ? null : JSON.stringify(thread)],
  );
}

/** A send failed and may work later: the row is due again after `delayMs`. */
export async function retryAlert(pool: pg.Pool, rowId: string, delayMs: number, error: string): Promise<void> {
  await pool.query(`update alert_outbox set run_at = now() + make_interval(secs => $2::int / 1000.0), last_error = $3 where id = $1`, [rowId, delayMs, error.slice(0, 500)]);
}

/** Gives up on one row (the recipient cannot get it). */
export async function dropAlert(pool: pg.Pool, rowId: string): Promise<void> {
  await pool.query(`delete from alert_outbox where id = $1`, [rowId]);
}

/**
 * Gives up on rows older than `maxAgeMs`, whoever could have sent them (a recipient kind no
 * process carries any more, a recipient failing for a day); returns what was dropped.
 */
export async function dropExpiredAlerts(pool: pg.Pool, maxAgeMs: number): Promise<Array<{ recipientKind: string; alertId: string; lastError: string | null }>> {
  const { rows } = await pool.query<{ recipient_kind: string; alert_id: string; last_error: string | null }>(
    `delete from alert_outbox where created_at < now() - make_interval(secs => $1::bigint / 1000.0) returning recipient_kind, alert_id::text, last_error`,
    [maxAgeMs],
  );
  return rows.map((r) => ({ recipientKind: r.recipient_kind, alertId: r.alert_id, lastError: r.last_error }));
}
