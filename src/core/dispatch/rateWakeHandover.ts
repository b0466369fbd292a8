/**
 * A stopping worker's rate-limited lanes, handed to the workers that stay. Only the worker
 * that served a lane knows when its next burst may go (its claim said so); without this, the
 * others would look at the lane at their next claim or poll (a second by default). Carried on
 * the deliveries channel, whose other announcements have an empty payload:
 * `wakes:<endpoint id>=<ms from now>,…`. An older process hearing it looks for work at once.
 */
const PREFIX = 'wakes:';
/** NOTIFY payloads stay below PostgreSQL's 8000 bytes (about 45 bytes a lane). */
const MAX_WAKES = 150;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The payload for these lanes' wakes (the soonest first), or null when there is none. */
export function handoverPayload(wakes: Array<[endpointId: string, msFromNow: number]>): string | null {
  const kept = wakes
    .filter(([e]) => UUID.test(e))
    .map(([e, ms]): [string, number] => [e, Math.max(0, Math.ceil(ms))])
    .sort((a, b) => a[1] - b[1])
    .slice(0, MAX_WAKES);
  return kept.length ? `${PREFIX}${kept.map(([e, ms]) => `${e}=${ms}`).join(',')}` : null;
}

/** The wakes a payload carries (endpoint id, ms from now); empty for any other announcement. */
export function handedWakes(payload: string | undefined): Array<[string, number]> {
  if (!payload?.startsWith(PREFIX)) return [];
  return payload
    .slice(PREFIX.length)
    .split(',')
    .map((pair): [string, number] => {
      const [e = '', ms = ''] = pair.split('=');
      return [e, Number(ms)];
    })
    .filter(([e, ms]) => UUID.test(e) && Number.isFinite(ms) && ms >= 0)
    .slice(0, MAX_WAKES);
}
