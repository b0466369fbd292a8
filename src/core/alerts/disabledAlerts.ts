import type pg from 'pg';
import type { Listener } from '../../db/listener.js';
import { ENDPOINT_CHANNEL } from '../../db/sql/channels.js';
import { claimDisabledAlerts, type ChangedEndpoint } from '../../db/sql/endpointDisable.js';
import type { EndpointStatusChange } from '../../db/sql/endpointStatus.js';
import { withTransaction } from '../../db/transaction.js';
import { coerceError } from '../errors.js';
import { queueAlerts, type AlertDraft } from './queue.js';
import type { Alert } from './types.js';

/**
 * The Disabled alert: when an endpoint is disabled (gone, failing or manual, in any process),
 * its admins are told once, with what to do (Enable). Every process running the alert policy
 * hears the announcement; the one whose transaction claims the endpoint's `disabled_alerted`
 * flag queues the alert in the outbox in that same transaction, so each disabling is queued
 * exactly once and sent by the outbox like every other alert. On start and after a LISTEN
 * reconnect, disabled endpoints not alerted yet are looked for, so a missed announcement
 * still alerts.
 */
export function startDisabledAlerts(deps: {
  pool: pg.Pool;
  listener: Pick<Listener, 'on' | 'onReconnect'>;
  onAlert?: (alert: Alert) => void;
  onError?: (e: Error) => void;
}) {
  const report = (e: unknown) => deps.onError?.(coerceError(e));
  const inflight = new Set<Promise<void>>();

  async function queue(ids: string[] | null): Promise<void> {
    const alerts = await withTransaction(deps.pool, async (client) => queueAlerts(client, (await claimDisabledAlerts(client, ids)).map(toDraft)));
    for (const a of alerts) deps.onAlert?.(a);
  }
  const run = (ids: string[] | null) => {
    const p = queue(ids).catch(report);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  const offs = [
    deps.listener.on(ENDPOINT_CHANNEL, (_c, payload) => {
      let change: EndpointStatusChange;
      try {
        change = JSON.parse(payload) as EndpointStatusChange;
      } catch {
        return; // the status feed reports unreadable payloads
      }
      if (change.status === 'disabled') run([change.endpointId]);
    }),
    deps.listener.onReconnect(() => run(null)),
  ];
  run(null);

  return {
    async stop(): Promise<void> {
      for (const off of offs) off();
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

function toDraft(r: ChangedEndpoint): AlertDraft {
  return {
    kind: 'disabled',
    accountId: r.account_id,
    endpointId: r.id,
    webhookId: r.webhook_id,
    webhookName: r.name,
    url: r.url,
    failures: 0,
    windowMs: 0,
    lastFailure: null,
    // A connection of the pool parses timestamps as dates; text otherwise.
    at: r.disabled_at === null ? new Date() : new Date(r.disabled_at),
    disabledReason: r.disabled_reason ?? 'manual',
  };
}
