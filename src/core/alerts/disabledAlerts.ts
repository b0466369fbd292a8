import type pg from 'pg';
import type { Listener } from '../../db/listener.js';
import { ENDPOINT_CHANNEL } from '../../db/sql/channels.js';
import { claimDisabledAlerts, type ChangedEndpoint } from '../../db/sql/endpointDisable.js';
import type { EndpointStatusChange } from '../../db/sql/endpointStatus.js';
import { coerceError } from '../errors.js';
import type { Alert, Notifier } from './types.js';

/**
 * The Disabled alert: when an endpoint is disabled (gone, failing or manual, in any process),
 * its admins are told once, with what to do (the bot offers Enable). Every process running the
 * alert policy hears the announcement; the one that claims the endpoint's row sends it. On
 * start and after a LISTEN reconnect, disabled endpoints not alerted yet are looked for, so a
 * missed announcement still alerts.
 */
export function startDisabledAlerts(deps: { pool: pg.Pool; listener: Pick<Listener, 'on' | 'onReconnect'>; notifier: Notifier; onError?: (e: Error) => void }) {
  const report = (e: unknown) => deps.onError?.(coerceError(e));
  const inflight = new Set<Promise<void>>();

  async function send(ids: string[] | null): Promise<void> {
    for (const row of await claimDisabledAlerts(deps.pool, ids)) await deps.notifier.notify(toAlert(row)).catch(report);
  }
  const run = (ids: string[] | null) => {
    const p = send(ids).catch(report);
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

function toAlert(r: ChangedEndpoint): Alert {
  return {
    kind: 'disabled',
    accountId: r.account_id,
    endpointId: r.id,
    webhookName: r.name,
    url: r.url,
    failures: 0,
    windowMs: 0,
    lastFailure: null,
    at: r.disabled_at === null ? new Date() : new Date(r.disabled_at),
    disabledReason: r.disabled_reason ?? 'manual',
  };
}
