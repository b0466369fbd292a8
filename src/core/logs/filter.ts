import { z } from 'zod';
import { catalogue } from '../catalogue/index.js';
import type { AttemptOutcome, Channel, SubscribedEvent } from '../terms.js';
import { uuidOrNil } from '../registry/accounts.js';
import { visibleText } from '../text.js';
import { parseInput } from '../validate.js';
import type { AttemptQuery } from '../../db/sql/attempts.js';
import type { AttemptView } from './attempts.js';

/**
 * The filters of Webhooks → Logs (plus endpoint, test/live and a time range). Absent or
 * empty = all. `channels` accepts `email` because the product's list offers it; email
 * devices produce no webhooks, so it simply matches nothing.
 */
export const LOG_ONLY_CHANNELS = ['email'] as const;

/** The log's channel filter: the catalogue's channels, then the ones that never have rows. */
export const logChannels = (): string[] => [...catalogue.channelIds(), ...LOG_ONLY_CHANNELS];

export interface AttemptFilter {
  /** Device-id prefix search: the start of a device token or number/bot name. */
  deviceSearch?: string | null;
  events?: SubscribedEvent[] | null;
  statuses?: AttemptOutcome[] | null;
  channels?: Channel[] | null;
  deviceId?: string | null;
  endpointId?: string | null;
  /** Any of these endpoints (a webhook's: core logs.ofWebhook). */
  endpointIds?: string[] | null;
  test?: boolean | null;
  from?: Date | null;
  to?: Date | null;
}

/**
 * A checked filter: the log statement's own filters (db/sql/attempts.ts, which the live feed
 * must agree with, see matchesFilter), and the search, events and statuses in core's words.
 */
export type NormalizedFilter = Pick<AttemptQuery, 'channels' | 'deviceId' | 'endpointId' | 'endpointIds' | 'test' | 'from' | 'to'> & {
  deviceSearch: string | null;
  events: SubscribedEvent[] | null;
  statuses: AttemptOutcome[] | null;
};

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => (v && v.length ? [...new Set(v)].sort() : null));

const date = z
  .date({ message: 'must be a date' })
  .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date')
  .nullish()
  .transform((v) => v ?? null);

const schema = z
  .object({
    deviceSearch: visibleText
      .trim()
      .max(100, 'must be at most 100 characters')
      .nullish()
      .transform((v) => (v ? v.replace(/^[@+]/, '') || null : null)),
    events: list(catalogue.subscribedEventSchema),
    statuses: list(z.enum(['success', 'failed'], { message: 'must be success or failed' })),
    channels: list(z.string().refine((c) => logChannels().includes(c), { error: () => `must be one of ${logChannels().join(', ')}` })),
    deviceId: z.string().nullish().transform((v) => (v ? uuidOrNil(v) : null)),
    endpointId: z.string().nullish().transform((v) => (v ? uuidOrNil(v) : null)),
    endpointIds: list(z.string().transform((v) => uuidOrNil(v))),
    test: z.boolean().nullish().transform((v) => v ?? null),
    from: date,
    to: date,
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { message: 'must be after from', path: ['to'] });

export function normalizeFilter(filter: AttemptFilter | null | undefined): NormalizedFilter {
  return parseInput(schema, filter ?? {}, 'filter') as NormalizedFilter;
}

/** The same filter, applied in memory to a new attempt (the live feed). */
export function matchesFilter(f: NormalizedFilter, a: AttemptView): boolean {
  if (f.deviceSearch !== null) {
    const s = f.deviceSearch;
    if (!(a.device?.token.startsWith(s) || a.device?.identifier.startsWith(s))) return false;
  }
  if (f.events && !f.events.includes(a.eventName)) return false;
  if (f.statuses && !f.statuses.includes(a.outcome)) return false;
  if (f.channels && !f.channels.includes(a.channel)) return false;
  if (f.deviceId && a.deviceId !== f.deviceId) return false;
  if (f.endpointId && a.endpointId !== f.endpointId) return false;
  if (f.endpointIds && !(a.endpointId !== null && f.endpointIds.includes(a.endpointId))) return false;
  if (f.test !== null && a.test !== f.test) return false;
  if (f.from && a.startedAt < f.from) return false;
  if (f.to && a.startedAt >= f.to) return false;
  return true;
}
