import type { z } from 'zod';
import { invalid } from './errors.js';

/**
 * Parses a command's input with its schema; the first problem becomes a VALIDATION_FAILED
 * error naming the field (`events[2]`, `deviceIds`) and the reason, before anything is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? [])
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('');
  const field = [prefix, path].filter(Boolean).join('.') || 'input';
  throw invalid(field, issue?.message ?? 'is not valid');
}
