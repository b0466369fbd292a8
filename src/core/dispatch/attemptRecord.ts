import type { AttemptInsert } from '../../db/sql/recordAttempts.js';
import type { PostResult } from './sender.js';

/** Where a POST went and what for: everything of a log row but the result. */
export type AttemptTarget = Omit<AttemptInsert, 'startedAt' | 'durationMs' | 'httpCode' | 'outcome' | 'errorCode' | 'errorText' | 'responseBody'>;

/** The log row of one POST (live or test), from its target and the sender's result. */
export function attemptRecord(target: AttemptTarget, r: PostResult): AttemptInsert {
  return {
    ...target,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    httpCode: r.httpCode,
    outcome: r.ok ? 'success' : 'failed',
    errorCode: r.errorCode,
    errorText: r.errorText,
    responseBody: r.responseBody,
  };
}
