import type { AlertDecision, AlertSettings, EndpointAlertState, FailureInfo, ObservedAttempt } from './types.js';

export interface Evaluation {
  state: EndpointAlertState;
  decisions: AlertDecision[];
}

/**
 * The alert policy for one endpoint, as a pure function: from what it remembered and the new
 * live attempts (none on a timer tick), the new memory and what to tell people. It never
 * sends; the service persists the state and hands the decisions to a notifier.
 *
 * - The first failure (or `threshold` failures in a row) opens an alert at once.
 * - Further failures are counted and told as one summary per window ("12 more failures in
 *   the last 10 min"), when the window since the last message has passed.
 * - A success while failing closes the episode with a recovery message; the next failure
 *   opens a new one (an endpoint that keeps flapping is what Mute is for).
 * - While muted, decisions become `muted` but the state moves on as usual, so that the
 *   episode reads right when the mute ends.
 */
export function evaluate(prev: EndpointAlertState, attempts: readonly ObservedAttempt[], now: Date, s: AlertSettings): Evaluation {
  const st: EndpointAlertState = { ...prev };
  const decisions: AlertDecision[] = [];
  const mutedUntil = st.mutedUntil && st.mutedUntil > now ? st.mutedUntil : null;
  const emit = (d: Exclude<AlertDecision, { kind: 'muted' }>) => decisions.push(mutedUntil ? { kind: 'muted', suppressed: d.kind, until: mutedUntil } : d);
  const withinWindow = () => st.lastAlertAt !== null && now.getTime() - st.lastAlertAt.getTime() < s.windowMs;

  for (const a of [...attempts].sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime())) {
    // Batches from several workers are evaluated in any order. An attempt older than one
    // already evaluated cannot change the endpoint's state (a stale success must not close an
    // episode, nor a stale failure open one), but a failure of the open episode still counts.
    if (st.lastAttemptAt && a.startedAt < st.lastAttemptAt) {
      if (a.outcome === 'failed' && st.failing) {
        st.pendingFailures++;
        st.totalFailures++;
      }
      continue;
    }
    st.lastAttemptAt = a.startedAt;
    if (a.outcome === 'failed') {
      const failure: FailureInfo = { deliveryId: a.deliveryId, httpCode: a.httpCode, errorCode: a.errorCode, at: a.startedAt, webhookName: a.webhookName, url: a.url };
      st.lastFailure = failure;
      st.pendingFailures++;
      st.totalFailures++;
      if (st.failing) continue;
      st.failingSince ??= a.startedAt;
      if (st.pendingFailures < s.threshold) continue;
      st.failing = true;
      emit({ kind: 'alert', failures: st.pendingFailures, last: failure });
      st.lastAlertAt = now;
      st.pendingFailures = 0;
    } else {
      if (st.failing) emit({ kind: 'recovered', failures: st.totalFailures, since: st.failingSince, webhookName: a.webhookName, url: a.url });
      Object.assign(st, { failing: false, failingSince: null, pendingFailures: 0, totalFailures: 0 });
    }
  }

  if (st.failing && st.pendingFailures > 0 && st.lastFailure && !withinWindow()) {
    emit({ kind: 'group', failures: st.pendingFailures, windowMs: s.windowMs, last: st.lastFailure });
    st.lastAlertAt = now;
    st.pendingFailures = 0;
  }
  return { state: st, decisions };
}

/** When the grouped summary of a failing endpoint with pending failures is due. */
export function summaryDueBefore(now: Date, s: AlertSettings): Date {
  return new Date(now.getTime() - s.windowMs);
}
