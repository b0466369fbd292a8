import { activeMutes, muteEndpoint } from '../../db/sql/alertStates.js';
import type { CoreContext } from '../context.js';
import { invalid, notFound } from '../errors.js';
import { uuidOrNil } from '../registry/accounts.js';

/** The mutes the product offers on an alert (Mute 1 h / Mute 24 h). */
export const MUTE_HOURS = [1, 24] as const;

/** Silences an endpoint's alerts for 1 or 24 hours; its deliveries and log are unaffected. */
export async function muteAlerts(ctx: CoreContext, accountId: string, input: { endpointId: string; hours: number }): Promise<{ endpointId: string; mutedUntil: Date }> {
  if (!(MUTE_HOURS as readonly number[]).includes(input.hours)) throw invalid('hours', `must be one of ${MUTE_HOURS.join(', ')}`);
  const until = new Date(ctx.now().getTime() + input.hours * 3_600_000);
  const row = await muteEndpoint(ctx.db.pool, accountId, uuidOrNil(input.endpointId), until);
  if (!row) throw notFound('endpoint', 'endpointId');
  return { endpointId: input.endpointId, mutedUntil: until };
}

export async function unmuteAlerts(ctx: CoreContext, accountId: string, endpointId: string): Promise<{ endpointId: string }> {
  const row = await muteEndpoint(ctx.db.pool, accountId, uuidOrNil(endpointId), null);
  if (!row) throw notFound('endpoint', 'endpointId');
  return { endpointId };
}

/** Which of these endpoints are muted now, and until when (a webhook's details show it). */
export async function muteState(ctx: CoreContext, accountId: string, endpointIds: string[]): Promise<Array<{ endpointId: string; mutedUntil: Date }>> {
  const rows = await activeMutes(ctx.db.pool, accountId, endpointIds.map(uuidOrNil), ctx.now());
  return rows.map((r) => ({ endpointId: r.endpoint_id, mutedUntil: r.muted_until }));
}
