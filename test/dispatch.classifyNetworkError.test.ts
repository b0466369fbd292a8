import { describe, expect, it } from 'vitest';
import { classifyNetworkError } from '../src/core/dispatch/attemptError.js';
import { InterruptedError } from '../src/core/dispatch/sender.js';

const err = (props: Record<string, unknown>, cause?: unknown) => Object.assign(new Error(String(props.message ?? 'x')), props, cause ? { cause } : {});

/** Failures are classified by stage from error codes and names, never from their text. */
describe('classifying a failed POST', () => {
  it.each([
    ['a refused connection', err({ code: 'ECONNREFUSED' }), 'connection_refused'],
    ['a name that does not resolve', err({ code: 'ENOTFOUND' }), 'dns'],
    ['a DNS server that does not answer', err({ code: 'EAI_AGAIN' }), 'dns'],
    ['a reset connection', err({ code: 'ECONNRESET' }), 'connection_reset'],
    ['a socket closed by undici', err({ code: 'UND_ERR_SOCKET' }), 'connection_reset'],
    ['an unreachable host', err({ code: 'EHOSTUNREACH' }), 'unreachable'],
    ['an expired certificate', err({ code: 'CERT_HAS_EXPIRED' }), 'tls'],
    ['a self-signed certificate', err({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls'],
    ['a headers timeout', err({ code: 'UND_ERR_HEADERS_TIMEOUT' }), 'timeout'],
    ['our own timeout', err({ name: 'TimeoutError' }), 'timeout'],
    ['a stop that cut the POST off', new InterruptedError(), 'interrupted'],
    ['a target the guard refused', err({ code: 'PRIVATE_TARGET_REFUSED' }), 'private_target'],
    ['anything else', err({ message: 'something odd' }), 'network'],
  ])('%s → %s', (_what, e, code) => {
    expect(classifyNetworkError(e).code).toBe(code);
  });

  it('looks through the causes undici wraps socket errors in', () => {
    const wrapped = err({ message: 'fetch failed' }, err({ message: 'connect', code: 'ECONNREFUSED' }));
    expect(classifyNetworkError(wrapped)).toEqual({ code: 'connection_refused', text: 'fetch failed: connect' });
  });

  it('classifies the same error the same way whatever its message says', () => {
    expect(classifyNetworkError(err({ code: 'ECONNREFUSED', message: 'timeout TLS certificate' })).code).toBe('connection_refused');
  });
});
