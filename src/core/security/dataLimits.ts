import { CoreError } from '../errors.js';

export interface DataLimits {
  /** Most bytes of an event's data, as JSON (UTF-8). @default 262_144 */
  maxBytes: number;
  /** Deepest nesting of objects and arrays in an event's data (`{}` is depth 1). @default 32 */
  maxDepth: number;
}

/**
 * Refuses event data that is too deep or too large, before anything else reads it: the
 * schemas, JSON.stringify and every receiver's parser recurse, and a 100,000-deep value
 * overflows the stack of any of them. The walk itself is iterative (an explicit stack), so
 * it is the one reader that cannot overflow, and it stops at the first level too deep.
 * Size is measured as the JSON the gateway will store, once the depth is known to be safe;
 * returned (bytes), for whoever sizes a batch of events.
 */
export function checkDataLimits(field: string, data: unknown, limits: DataLimits): number {
  const depth = depthOf(data, limits.maxDepth);
  if (depth > limits.maxDepth) {
    throw new CoreError('PAYLOAD_TOO_DEEP', `${field}: nests objects and arrays more than ${limits.maxDepth} levels deep; flatten it`, field);
  }
  const bytes = Buffer.byteLength(JSON.stringify(data ?? null), 'utf8');
  if (bytes > limits.maxBytes) {
    throw new CoreError(
      'PAYLOAD_TOO_LARGE',
      `${field}: is ${bytes} bytes as JSON; the limit is ${limits.maxBytes} bytes per event (send large content as a file URL)`,
      field,
    );
  }
  return bytes;
}

/** Depth of the deepest container, counting stops once it passes `stopAt`. */
export function depthOf(value: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > deepest) deepest = d;
    if (deepest > stopAt) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
    }
  }
  return deepest;
}
