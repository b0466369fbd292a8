import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/core/diagnose/diagnose.js';

const failed = (httpCode: number | null, errorCode: string | null, hasSecret = true, test = false) => diagnose({ httpCode, errorCode, hasSecret, test }, { timeoutMs: 30_000, testTimeoutMs: 45_000 });

describe('diagnosis of a failed attempt, in the guide\'s words', () => {
  it('503 / 502: the server rejected or was overloaded', () => {
    expect(failed(503, 'http_status')?.cause).toContain('rejected the request or was overloaded');
    expect(failed(502, 'http_status')?.cause).toContain('rejected the request or was overloaded');
  });

  it('401 / 403: check X-Webhook-Secret when a signing secret is set', () => {
    expect(failed(401, 'http_status')?.fix).toContain('X-Webhook-Secret');
    expect(failed(403, 'http_status', true, true)?.fix).toContain('"production": false');
    expect(failed(403, 'http_status', false)?.fix).toContain('No signing secret is set');
  });

  it.each(['timeout', 'dns', 'connection_refused', 'tls', 'network'])('0 or %s: Kirisan could not connect; verify DNS, TLS and firewall', (code) => {
    const d = failed(null, code)!;
    expect(`${d.cause} ${d.fix}`).toMatch(/DNS|TLS|firewall|in time/);
  });

  it('a TLS failure points at the certificate', () => {
    expect(failed(null, 'tls')?.fix).toContain('TLS certificate validity');
  });

  it('a redirect, a private address, a wrong path, other 5xx and a 2xx that is not 200/201 each get their own cause', () => {
    expect(failed(301, 'redirect')?.code).toBe('redirect');
    expect(failed(null, 'private_target')?.code).toBe('private_target');
    expect(failed(404, 'http_status')?.code).toBe('not_found');
    expect(failed(500, 'http_status')?.code).toBe('server_error');
    expect(failed(204, 'http_status')?.cause).toContain('only 200 or 201');
  });

  it('a timeout quotes the timeout in force, live or test, never a fixed figure', () => {
    const timeouts = { timeoutMs: 5_000, testTimeoutMs: 2_500 };
    expect(diagnose({ httpCode: null, errorCode: 'timeout', hasSecret: false, test: false }, timeouts)?.cause).toContain('within 5 s');
    expect(diagnose({ httpCode: null, errorCode: 'timeout', hasSecret: false, test: true }, timeouts)?.cause).toContain('within 2.5 s');
    expect(diagnose({ httpCode: null, errorCode: 'timeout', hasSecret: false, test: false }, { timeoutMs: 800, testTimeoutMs: 800 })?.cause).toContain('within 800 ms');
    expect(failed(null, 'timeout')?.cause).not.toContain('about');
  });

  it('a reply that is not HTTP and oversized headers are not "could not connect"', () => {
    expect(failed(null, 'not_http')).toMatchObject({ code: 'not_http', cause: expect.stringContaining('connected') });
    expect(failed(null, 'headers_too_large')).toMatchObject({ code: 'headers_too_large', cause: expect.stringContaining('16 KB') });
    for (const code of ['not_http', 'headers_too_large', 'tls']) expect(failed(null, code)?.cause).not.toContain('could not connect');
  });

  it('a success has no diagnosis', () => {
    expect(failed(200, null)).toBeNull();
    expect(failed(201, null)).toBeNull();
  });
});
