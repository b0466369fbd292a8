import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createSender } from '../src/core/dispatch/sender.js';
import { checkTarget, parseTargetUrl, type Resolver, type TargetPolicy } from '../src/core/security/urlGuard.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

/**
 * The production URL policy: https only (ALLOW_HTTP_TARGETS opens http), no ports of databases
 * or infrastructure, and private networks or internal names reachable only when listed in
 * ALLOWED_PRIVATE_TARGETS — still connected to the very address that was checked.
 */

const DNS: Record<string, string[]> = {
  'hooks.internal': ['127.0.0.1'],
  'rebinds.internal': ['127.0.0.1'],
  'partner.example.com': ['10.1.2.7'],
  'elsewhere.example.com': ['10.9.9.9'],
  'metadata.example.com': ['169.254.169.254'],
  'public.example.com': ['93.184.215.14'],
};
const resolver: Resolver = async (host) => {
  const found = DNS[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: 4 as const }));
};

const policyFor = (env: Record<string, string>): TargetPolicy => {
  const config = loadConfig({ NODE_ENV: 'production', ...env });
  return { allowPrivate: config.allowPrivateTargets, resolve: resolver, rules: config.targets };
};
const verdict = async (url: string, policy: TargetPolicy) =>
  checkTarget(parseTargetUrl(url), policy).then(
    () => 'allowed',
    (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
  );

describe('in production', () => {
  const production = policyFor({});

  it.each([
    ['https://public.example.com/hook', 'allowed'],
    ['https://public.example.com:443/hook', 'allowed'],
    ['https://public.example.com:8443/hook', 'allowed'],
    ['https://public.example.com:3000/hook', 'allowed'],
    ['http://public.example.com/hook', 'INVALID_URL: Webhook URLs must use https://'],
    ['http://public.example.com:8080/hook', 'INVALID_URL: Webhook URLs must use https://'],
    ['https://public.example.com:22/hook', 'INVALID_URL: The webhook URL\'s port 22 is not allowed'],
    ['https://public.example.com:80/hook', 'INVALID_URL: The webhook URL\'s port 80 is not allowed'],
    ['https://public.example.com:1023/hook', 'INVALID_URL: The webhook URL\'s port 1023 is not allowed'],
    ['https://public.example.com:5432/hook', 'INVALID_URL: The webhook URL\'s port 5432 is the PostgreSQL port'],
    ['https://public.example.com:6379/hook', 'INVALID_URL: The webhook URL\'s port 6379 is the Redis port'],
    ['https://public.example.com:27017/hook', 'INVALID_URL: The webhook URL\'s port 27017 is the MongoDB port'],
    ['https://public.example.com:2375/hook', 'INVALID_URL: The webhook URL\'s port 2375 is the Docker API port'],
    ['https://partner.example.com/hook', 'PRIVATE_TARGET_REFUSED'],
  ])('%s: %s', async (url, expected) => {
    expect(await verdict(url, production)).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('ALLOW_HTTP_TARGETS=true allows http (and port 80); TARGET_PORTS replaces the ports, naming a service port on its own allows it', async () => {
    const http = policyFor({ ALLOW_HTTP_TARGETS: 'true' });
    expect(await verdict('http://public.example.com/hook', http)).toBe('allowed');
    expect(await verdict('http://public.example.com:22/hook', http)).toMatch(/port 22 is not allowed/);
    const ports = policyFor({ TARGET_PORTS: '443,9000-9100,5432' });
    expect(await verdict('https://public.example.com:9050/hook', ports)).toBe('allowed');
    expect(await verdict('https://public.example.com:5432/hook', ports)).toBe('allowed');
    expect(await verdict('https://public.example.com:8443/hook', ports)).toMatch(/port 8443 is not allowed \(allowed: 443, 9000-9100, 5432/);
    expect(await verdict('https://public.example.com:9092/hook', policyFor({ TARGET_PORTS: '9000-9100' }))).toMatch(/Kafka port/);
  });

  it('development allows http and any port by default; TARGET_PORTS applies there too', async () => {
    const dev = { allowPrivate: false, resolve: resolver, rules: loadConfig({}).targets };
    expect(await verdict('http://public.example.com/hook', dev)).toBe('allowed');
    expect(await verdict('http://public.example.com:9/hook', dev)).toBe('allowed');
    const listed = { allowPrivate: false, resolve: resolver, rules: loadConfig({ TARGET_PORTS: '443,1024-65535' }).targets };
    expect(await verdict('http://public.example.com:5432/hook', listed)).toMatch(/PostgreSQL port/);
  });

  it('bad settings stop the start with the variable named', () => {
    expect(() => loadConfig({ TARGET_PORTS: '443,0-10' })).toThrow(/TARGET_PORTS: use a comma-separated list of ports/);
    expect(() => loadConfig({ ALLOWED_PRIVATE_TARGETS: '10.0.0.0/99' })).toThrow(/ALLOWED_PRIVATE_TARGETS: use a comma-separated list/);
    expect(() => loadConfig({ ALLOWED_PRIVATE_TARGETS: 'not a host!' })).toThrow(/ALLOWED_PRIVATE_TARGETS/);
  });
});

describe('ALLOWED_PRIVATE_TARGETS', () => {
  const listed = policyFor({ ALLOWED_PRIVATE_TARGETS: '10.1.2.0/24,hooks.internal,169.254.0.0/16' });

  it.each([
    ['https://partner.example.com/hook', 'allowed'],
    ['https://10.1.2.200/hook', 'allowed'],
    ['https://10.1.3.1/hook', 'PRIVATE_TARGET_REFUSED'],
    ['https://elsewhere.example.com/hook', 'PRIVATE_TARGET_REFUSED'],
    ['https://hooks.internal/hook', 'allowed'],
    ['https://other.internal/hook', 'PRIVATE_TARGET_REFUSED'],
    ['https://metadata.example.com/latest', 'PRIVATE_TARGET_REFUSED'],
    ['https://169.254.169.254/latest', 'PRIVATE_TARGET_REFUSED'],
    ['https://[::ffff:10.1.2.9]/hook', 'allowed'],
  ])('%s: %s', async (url, expected) => {
    expect(await verdict(url, listed)).toMatch(new RegExp(`^${expected}`));
  });

  describe('at send time, pinned to the checked address', () => {
    let server: Server;
    let port = 0;
    const seen: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(req.headers.host ?? '');
        res.writeHead(200).end('ok');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const send = async (policy: TargetPolicy, url: string) => {
      const sender = createSender({ targets: policy, connectionsPerOrigin: 1, responseBodyLimit: 100 });
      try {
        return await sender.post({ url, body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });
      } finally {
        await sender.close();
      }
    };

    it('a listed internal name is delivered to the address it resolved to', async () => {
      const policy = policyFor({ ALLOW_HTTP_TARGETS: 'true', ALLOWED_PRIVATE_TARGETS: 'hooks.internal' });
      const r = await send(policy, `http://hooks.internal:${port}/hook`);
      expect(r).toMatchObject({ ok: true, httpCode: 200 });
      expect(seen.at(-1)).toBe(`hooks.internal:${port}`);
    });

    it('a listed name that rebinds to an address outside the list is refused at connect', async () => {
      let calls = 0;
      const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '10.1.2.7' : '127.0.0.1', family: 4 }];
      const policy: TargetPolicy = { ...policyFor({ ALLOW_HTTP_TARGETS: 'true', ALLOWED_PRIVATE_TARGETS: '10.1.2.0/24' }), resolve: rebinding };
      await checkTarget(parseTargetUrl(`http://partner.example.com:${port}/hook`), policy);
      const r = await send(policy, `http://partner.example.com:${port}/hook`);
      expect(r).toMatchObject({ ok: false, httpCode: null, errorCode: 'private_target' });
    });

    it('a URL saved before the policy was tightened is refused before it is sent, as invalid_url', async () => {
      const before = seen.length;
      const r = await send(policyFor({ ALLOW_PRIVATE_TARGETS: 'true' }), `http://127.0.0.1:${port}/hook`);
      expect(r).toMatchObject({ ok: false, httpCode: null, errorCode: 'invalid_url', errorText: expect.stringContaining('https://') });
      expect(seen.length).toBe(before);
    });
  });
});

describe('through the registry, in production mode', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ NODE_ENV: 'production', ALLOW_PRIVATE_TARGETS: 'false', ALLOWED_PRIVATE_TARGETS: '10.1.2.0/24' });
  });
  afterAll(() => gw.close());

  it('saving refuses http and service ports on the url field, and accepts a listed private network', async () => {
    const acct = await seedAccount(gw.core);
    const save = (url: string) => gw.core.webhooks.save(acct.accountId, { name: 'CRM', url, deviceIds: [acct.wa.id], events: ['submission'] });
    await expect(save('http://hooks.example.com/k')).rejects.toMatchObject({ code: 'INVALID_URL', field: 'url' });
    await expect(save('https://hooks.example.com:5432/k')).rejects.toMatchObject({ code: 'INVALID_URL', field: 'url' });
    await expect(save('https://internal.example.com/k')).resolves.toMatchObject({ endpoints: [expect.objectContaining({ status: 'pending_test' })] });
  });
});
