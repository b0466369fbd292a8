import { z } from 'zod';
import { DISABLED_REASONS } from '../terms.js';
import { ALERT_KINDS } from './kinds.js';
import type { Alert, ThreadEntry } from './types.js';

/**
 * Alerts and thread entries as the outbox stores them (jsonb): dates travel as ISO text and
 * come back as Dates. A row that does not parse is dropped by the sender, never guessed at.
 */
const failure = z.object({
  deliveryId: z.string().nullable(),
  httpCode: z.number().int().nullable(),
  errorCode: z.string().nullable(),
  at: z.coerce.date(),
  webhookName: z.string(),
  url: z.string(),
  diagnosis: z.object({ code: z.string(), cause: z.string(), fix: z.string() }).nullable(),
});

const action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('details'), endpointId: z.string() }),
  z.object({ kind: z.literal('retry'), deliveryId: z.string() }),
  z.object({ kind: z.literal('mute'), endpointId: z.string(), hours: z.number().int() }),
  z.object({ kind: z.literal('enable'), endpointId: z.string() }),
]);

const alertSchema = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  accountId: z.string(),
  endpointId: z.string(),
  webhookId: z.string(),
  webhookName: z.string(),
  url: z.string(),
  failures: z.number().int(),
  windowMs: z.number().int(),
  lastFailure: failure.nullable(),
  // Rows queued before the field existed read as null.
  disabledReason: z.enum(DISABLED_REASONS).nullable().default(null),
  at: z.coerce.date(),
  actions: z.array(action),
});

const threadSchema = z.array(z.object({ ref: z.string(), alert: alertSchema }));

export const parseAlert = (json: unknown): Alert => alertSchema.parse(json);
export const parseThread = (json: unknown): ThreadEntry[] => threadSchema.parse(json ?? []);
