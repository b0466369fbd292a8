/**
 * From what the platform publishes to the exact bytes a receiver gets:
 * parseEventData (validate + normalise, per the catalogue entry) → buildPayload (stored once
 * per event) → renderBody (per attempt, adds `timestamp` and `production`).
 */
import type { z } from 'zod';
import { catalogue } from '../catalogue/index.js';
import { invalid } from '../errors.js';
import type { Channel, EventType } from '../terms.js';

/** Top-level fields the gateway owns; publishing them is a platform bug worth naming. */
const GATEWAY_FIELDS = new Set(['event', 'device', 'channel', 'timestamp', 'production']);

/**
 * Validates `data` for `type` as published by a `channel` device and returns the normalised
 * value (skipped answers as empty text, derived location coordinate, unknown Cloud API error
 * keys dropped). Throws `invalid('data.<path>', reason)` for the first problem, or
 * `invalid('channel', …)` when the channel cannot produce the event.
 */
export function parseEventData(type: EventType, channel: Channel, data: unknown): unknown {
  const produces = catalogue.channelProduces(channel, type);
  if (!produces.ok) throw invalid('channel', produces.reason);
  const result = catalogue.event(type).schema(catalogue.channel(channel)).safeParse(data, { reportInput: true });
  if (!result.success) {
    const first = result.error.issues[0];
    if (first === undefined) throw invalid('data', 'is not valid');
    const { path, reason } = explain(first);
    throw invalid(fieldName(path), reason);
  }
  return result.data;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (name, seg) => (typeof seg === 'number' ? `${name}[${seg}]` : `${name}.${String(seg)}`),
    'data',
  );
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** zod's messages are written for developers; these are for whoever reads the refusal. */
function explain(issue: z.core.$ZodIssue): { path: PropertyKey[]; reason: string } {
  const path = [...issue.path];
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return { path, reason: 'is required' };
      return { path, reason: `must be ${KINDS[issue.expected] ?? issue.expected}` };
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const reason =
        path.length === 0 && GATEWAY_FIELDS.has(key)
          ? 'is filled in by the gateway; leave it out of the published data'
          : 'is not a known field';
      return { path: [...path, key], reason };
    }
    case 'invalid_value':
      return { path, reason: `must be one of: ${issue.values.map(String).join(', ')}` };
    case 'invalid_union':
      return { path, reason: issue.input === undefined ? 'is required' : issue.message };
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return { path, reason: 'must not be empty' };
      return { path, reason: `must be at least ${String(issue.minimum)}` };
    case 'too_big':
      return { path, reason: `must be at most ${String(issue.maximum)}` };
    default:
      return { path, reason: issue.message };
  }
}

/**
 * The stored body without `timestamp` and `production`, keys in the reference order, from
 * data parseEventData returned. `event` is always the type: a legacy name such as
 * `submission.completed` lives only in the header.
 */
export function buildPayload(type: EventType, device: { token: string; channel: Channel }, data: unknown): Record<string, unknown> {
  if (device.token.length === 0) throw invalid('device', 'must not be empty');
  const produces = catalogue.channelProduces(device.channel, type);
  if (!produces.ok) throw invalid('channel', produces.reason);
  return catalogue.event(type).build(data, device);
}

/** Validates and builds in one step: the stored body of an event as the platform published it. */
export function eventPayload(type: EventType, device: { token: string; channel: Channel }, data: unknown): Record<string, unknown> {
  return buildPayload(type, device, parseEventData(type, device.channel, data));
}

/**
 * The exact bytes POSTed. The payload is stored once as JSON text and every attempt
 * splices its own send time in, so redeliveries never re-serialise (and never reorder)
 * the body. Store that text verbatim (text/json column, not jsonb, which reorders keys).
 */
export function renderBody(payloadJson: string, timestamp: number, production: boolean): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`timestamp must be Unix seconds, got ${timestamp}`);
  }
  const end = payloadJson.lastIndexOf('}');
  if (!payloadJson.trimStart().startsWith('{') || end === -1 || payloadJson.slice(end + 1).trim() !== '') {
    throw new TypeError('payload JSON must be a JSON object');
  }
  const head = payloadJson.slice(0, end).trimEnd();
  const separator = head.endsWith('{') ? '' : ',';
  return `${head}${separator}"timestamp":${timestamp},"production":${production}}`;
}
