import { z } from 'zod';
import { secretHint } from '../security/secrets.js';
import { parseInput } from '../validate.js';

/** A header a webhook adds to every POST (an API key its receiver expects, say). */
export interface CustomHeader {
  name: string;
  value: string;
}

export const CUSTOM_HEADERS_MAX = 10;
export const HEADER_NAME_MAX = 64;
export const HEADER_VALUE_MAX = 1024;
/** All names and values together, in bytes (ASCII): well under what receivers accept per request. */
export const HEADERS_TOTAL_MAX = 4096;

/**
 * Names a webhook may not set: the contract's own (a receiver routes and verifies on them),
 * those the HTTP client owns, and hop-by-hop headers (RFC 9110 §7.6.1), which are about one
 * connection, not the request.
 */
const RESERVED_PREFIXES = ['x-kirisan-', 'webhook-'];
const RESERVED = new Set([
  'x-webhook-secret',
  'user-agent',
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** Why a name is not ours to set, or null. */
function reservedBecause(name: string): string | null {
  const n = name.toLowerCase();
  if (RESERVED_PREFIXES.some((p) => n.startsWith(p))) return `${name} is a contract header (${RESERVED_PREFIXES.map((p) => `${p}*`).join(', ')} are the gateway's own)`;
  if (n === 'x-webhook-secret') return `${name} is a contract header: set the webhook's secret instead`;
  if (RESERVED.has(n)) return `${name} is set by the gateway or is about the connection (hop-by-hop), not the request`;
  return null;
}

const header = z.object({
  name: z
    .string({ message: 'is required' })
    .trim()
    .min(1, 'must not be empty')
    .max(HEADER_NAME_MAX, `must be at most ${HEADER_NAME_MAX} characters`)
    // RFC 9110 token characters
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'may contain only letters, digits and !#$%&\'*+.^_`|~- (an HTTP header name)')
    .superRefine((name, ctx) => {
      const why = reservedBecause(name);
      if (why) ctx.addIssue({ code: 'custom', message: `${why}: choose another name` });
    }),
  value: z
    .string({ message: 'is required' })
    .trim()
    .max(HEADER_VALUE_MAX, `must be at most ${HEADER_VALUE_MAX} characters`)
    .regex(/^[\x20-\x7e]*$/, 'may contain only printable ASCII characters (it is sent as an HTTP header)'),
});

const schema = z.object({
  customHeaders: z
    .array(header, { message: 'must be a list of name/value pairs' })
    .max(CUSTOM_HEADERS_MAX, `at most ${CUSTOM_HEADERS_MAX} headers per webhook`)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((h, i) => {
        const n = h.name.toLowerCase();
        if (seen.has(n)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `names ${h.name} twice (header names are case-insensitive)` });
        seen.add(n);
      });
      const bytes = list.reduce((sum, h) => sum + h.name.length + h.value.length, 0);
      if (bytes > HEADERS_TOTAL_MAX) ctx.addIssue({ code: 'custom', message: `names and values come to ${bytes} characters: at most ${HEADERS_TOTAL_MAX} in all` });
    }),
});

/** Checks a webhook's custom headers; the first problem names its field (`customHeaders[1].name`). */
export function parseCustomHeaders(list: unknown): CustomHeader[] {
  return parseInput(schema, { customHeaders: list }).customHeaders;
}

/**
 * What may be shown of a header after saving: its name and a hint of its value (an API key
 * is a secret like the webhook's own).
 */
export function headerHint(h: CustomHeader): { name: string; valueHint: string } {
  return { name: h.name, valueHint: secretHint(h.value) ?? '' };
}
