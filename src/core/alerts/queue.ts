import type { SqlClient } from '../../db/database.js';
import { enqueueAlerts, nextAlertIds } from '../../db/sql/alertOutbox.js';
import { alertActions, threadRole } from './kinds.js';
import { RECIPIENT_KINDS, type Alert } from './types.js';

export type AlertDraft = Omit<Alert, 'id' | 'actions'>;

/**
 * Inside the transaction that decided them: gives the alerts their ids and actions and puts
 * them in the outbox for every recipient the account has (core/alerts/outbox.ts sends them);
 * an alert that resolves an episode (a recovery) only for those the episode reached, so a chat
 * linked or an alert webhook set after the failure was decided never gets a recovery of a
 * failure it was not told of (a recipient an opening alert does not reach is out of that
 * episode, whatever an older one left).
 * Committed together with the decision, or not at all: an alert is never decided without
 * being queued, nor queued twice. The alert policy calls this (withTransaction's client); so
 * will the endpoint status that disables an endpoint (a `disabled` alert, issue 12), with the
 * `sql` of its inTransaction.
 */
export async function queueAlerts(client: SqlClient, drafts: AlertDraft[]): Promise<Alert[]> {
  const ids = await nextAlertIds(client, drafts.length);
  const alerts = drafts.map((d, i): Alert => ({ ...d, id: ids[i]!, actions: alertActions(d) }));
  await enqueueAlerts(client, alerts.map((a) => ({ id: a.id, accountId: a.accountId, endpointId: a.endpointId, body: a, opensEpisode: threadRole(a.kind) === 'opens', withinEpisode: threadRole(a.kind) === 'resolves' })), {
    adminChat: RECIPIENT_KINDS.chat,
    alertWebhook: RECIPIENT_KINDS.webhook,
  });
  return alerts;
}
