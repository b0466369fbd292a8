import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/core/alerts/evaluator.js';
import { EMPTY_STATE, type AlertSettings, type EndpointAlertState, type ObservedAttempt } from '../src/core/alerts/types.js';

/** The alert policy as a pure function: state and attempts in, state and decisions out. */

const S: AlertSettings = { windowMs: 600_000, threshold: 1 };
const T0 = new Date('2026-11-23T10:00:00Z');
const at = (sec: number) => new Date(T0.getTime() + sec * 1000);
const fail = (sec: number, httpCode: number | null = 500): ObservedAttempt => ({ outcome: 'failed', startedAt: at(sec), deliveryId: String(sec), httpCode, errorCode: httpCode === null ? 'timeout' : 'http_status', webhookName: 'CRM', url: 'https://crm.example.com/hook' });
const ok = (sec: number): ObservedAttempt => ({ ...fail(sec), outcome: 'success', httpCode: 200, errorCode: null });

/** Runs batches in order, each evaluated at the time of its last attempt (or `now`). */
function run(batches: Array<{ attempts: ObservedAttempt[]; now: number }>, settings = S, start: EndpointAlertState = EMPTY_STATE) {
  let state = start;
  return batches.map((b) => {
    const r = evaluate(state, b.attempts, at(b.now), settings);
    state = r.state;
    return r.decisions.map((d) => (d.kind === 'muted' ? `muted ${d.suppressed}` : d.kind === 'recovered' ? `recovered after ${d.failures}` : `${d.kind} ${d.failures}`));
  });
}

describe('alert policy', () => {
  it('the first failure of an endpoint alerts at once, with that failure', () => {
    const r = evaluate(EMPTY_STATE, [fail(0)], at(0), S);
    expect(r.decisions).toEqual([{ kind: 'alert', failures: 1, last: expect.objectContaining({ httpCode: 500, deliveryId: '0' }) }]);
    expect(r.state).toMatchObject({ failing: true, pendingFailures: 0, totalFailures: 1, lastAlertAt: at(0) });
  });

  it('later failures within the window are grouped into one summary when the window has passed', () => {
    expect(
      run([
        { attempts: [fail(0)], now: 0 },
        { attempts: [fail(60), fail(61)], now: 61 },
        { attempts: [fail(300)], now: 300 },
        { attempts: [], now: 599 },
        { attempts: [], now: 600 },
        { attempts: [], now: 601 },
      ]),
    ).toEqual([['alert 1'], [], [], [], ['group 3'], []]);
  });

  it('a summary goes out with the first attempt after the window, and counts it', () => {
    expect(run([{ attempts: [fail(0)], now: 0 }, { attempts: [fail(10)], now: 10 }, { attempts: [fail(700)], now: 700 }])).toEqual([['alert 1'], [], ['group 2']]);
  });

  it('a success after failures sends one recovery, telling how many attempts failed', () => {
    expect(run([{ attempts: [fail(0), fail(5), fail(9)], now: 9 }, { attempts: [ok(20)], now: 20 }, { attempts: [ok(30)], now: 30 }])).toEqual([['alert 1'], ['recovered after 3'], []]);
  });

  it('successes of a healthy endpoint decide nothing', () => {
    expect(run([{ attempts: [ok(0), ok(1)], now: 1 }])).toEqual([[]]);
  });

  it('after a recovery, the next failure opens a new episode and alerts at once', () => {
    expect(run([{ attempts: [fail(0)], now: 0 }, { attempts: [ok(10)], now: 10 }, { attempts: [fail(20)], now: 20 }, { attempts: [fail(30)], now: 30 }, { attempts: [], now: 620 }])).toEqual([
      ['alert 1'],
      ['recovered after 1'],
      ['alert 1'],
      [],
      ['group 1'],
    ]);
  });

  it('with a threshold, an alert opens only after that many failures in a row', () => {
    const three = { ...S, threshold: 3 };
    expect(run([{ attempts: [fail(0), fail(1)], now: 1 }, { attempts: [ok(2)], now: 2 }, { attempts: [fail(3), fail(4)], now: 4 }, { attempts: [fail(5)], now: 5 }], three)).toEqual([[], [], [], ['alert 3']]);
  });

  it('a muted endpoint decides `muted` for what it would have sent, and resumes after the mute', () => {
    const muted = { ...EMPTY_STATE, mutedUntil: at(3600) };
    expect(
      run(
        [
          { attempts: [fail(0)], now: 0 },
          { attempts: [fail(700)], now: 700 },
          { attempts: [ok(800)], now: 800 },
          { attempts: [fail(4000)], now: 4000 },
        ],
        S,
        muted,
      ),
    ).toEqual([['muted alert'], ['muted group'], ['muted recovered'], ['alert 1']]);
  });

  it('an attempt older than one already evaluated (another worker, late) changes nothing', () => {
    const after = evaluate(EMPTY_STATE, [ok(10)], at(10), S).state;
    const r = evaluate(after, [fail(5)], at(11), S);
    expect(r.decisions).toEqual([]);
    expect(r.state.failing).toBe(false);
  });

  it('failures of an open episode evaluated late (another worker) still count in the summary', () => {
    expect(run([{ attempts: [fail(10)], now: 10 }, { attempts: [fail(4), fail(5)], now: 11 }, { attempts: [], now: 700 }])).toEqual([['alert 1'], [], ['group 2']]);
  });

  it('a batch is read in time order, whatever order it arrives in', () => {
    expect(run([{ attempts: [ok(3), fail(1)], now: 3 }])).toEqual([['alert 1', 'recovered after 1']]);
  });
});
