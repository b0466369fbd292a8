import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError } from '../src/core/errors.js';
import {
  checkLiteralHost,
  checkTarget,
  classifyAddress,
  guardedLookup,
  inspectTarget,
  parseTargetUrl,
  type Resolver,
  type TargetPolicy,
} from '../src/core/security/urlGuard.js';

const DNS: Record<string, string[]> = {
  'rebind.example': ['10.0.0.5'],
  'public.example': ['93.184.215.14'],
  'mixed.example': ['93.184.215.14', '127.0.0.1'],
  'v6public.example': ['2606:2800:220:1:248:1893:25c8:1946'],
  'mixed6.example': ['2606:2800:220:1:248:1893:25c8:1946', '127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'receiver.test': ['127.0.0.1'],
};

/** Stands in for DNS so no test touches the network; unknown names fail like getaddrinfo. */
const fakeResolver: Resolver = async (hostname) => {
  const addresses = DNS[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const strict: TargetPolicy = { allowPrivate: false, resolve: fakeResolver };
const permissive: TargetPolicy = { allowPrivate: true, resolve: fakeResolver };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Walks the `cause` chain, since undici may wrap the lookup error. */
function codesOf(e: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = e;
  while (typeof current === 'object' && current !== null) {
    if ('code' in current && typeof current.code === 'string') codes.push(current.code);
    current = 'cause' in current ? current.cause : undefined;
  }
  return codes;
}

describe('parseTargetUrl', () => {
  it.each([
    ['ftp://files.example/hook', 'http or https'],
    ['javascript:alert(1)', 'http or https'],
    ['not a url', 'not a valid URL'],
    ['https://user:pw@x.example/hook', 'user name or password'],
    ['https://user@x.example/hook', 'user name or password'],
    ['', 'empty'],
    ['   ', 'empty'],
    [`https://x.example/${'a'.repeat(2100)}`, 'limit is 2048'],
  ])('refuses %j as INVALID_URL on the url field', (raw, fragment) => {
    const e = thrown(() => parseTargetUrl(raw));
    expect(e).toBeInstanceOf(CoreError);
    expect(e).toMatchObject({ code: 'INVALID_URL', field: 'url' });
    expect((e as CoreError).message).toContain(fragment);
  });

  it('tells the user what a valid address looks like', () => {
    expect(() => parseTargetUrl('ftp://x.example')).toThrow(/https:\/\/api\.yoursite\.com\/webhooks\/kirisan/);
  });

  it('never echoes a password back in the refusal', () => {
    const e = thrown(() => parseTargetUrl('https://alice:s3cret@x.example/'));
    expect((e as CoreError).message).not.toContain('s3cret');
  });

  it('trims whitespace and strips the fragment, which is never sent anyway', () => {
    expect(parseTargetUrl('  https://api.example.com/hook?x=1#section \n').href).toBe(
      'https://api.example.com/hook?x=1',
    );
  });
});

describe('classifyAddress', () => {
  it('judges IPv4-mapped IPv6 as the IPv4 it carries', () => {
    expect(classifyAddress('::ffff:127.0.0.1')).toEqual({ allowed: false, range: 'loopback' });
    expect(classifyAddress('::ffff:7f00:1')).toEqual({ allowed: false, range: 'loopback' });
    expect(classifyAddress('::ffff:93.184.215.14')).toEqual({ allowed: true });
  });

  it('names cloud metadata endpoints as such', () => {
    for (const ip of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']) {
      expect(classifyAddress(ip)).toEqual({ allowed: false, range: 'cloudMetadata' });
    }
  });

  it('refuses deprecated IPv4-compatible IPv6 that ipaddr.js calls unicast', () => {
    expect(classifyAddress('::7f00:1')).toEqual({ allowed: false, range: 'ipv4Compatible' });
  });

  it('refuses something that is not an IP at all rather than letting it through', () => {
    expect(classifyAddress('definitely-not-an-ip')).toMatchObject({ allowed: false });
  });

  it.each(['64:ff9b::7f00:1', '2002:7f00:1::', '2001:db8::1', '198.18.0.1', '240.0.0.1'])(
    'refuses the non-unicast range of %s',
    (ip) => {
      expect(classifyAddress(ip).allowed).toBe(false);
    },
  );
});

describe('checkTarget at save time', () => {
  it.each([
    ['loopback', 'http://127.0.0.1/hook'],
    ['short IPv4 form', 'http://127.1/hook'],
    ['decimal IPv4 form', 'http://2130706433/hook'],
    ['hex IPv4 form', 'http://0x7f000001/hook'],
    ['octal IPv4 form', 'http://0177.0.0.1/hook'],
    ['unspecified IPv4', 'http://0.0.0.0/hook'],
    ['RFC 1918 10/8', 'http://10.0.0.1/hook'],
    ['RFC 1918 172.16/12', 'http://172.16.0.1/hook'],
    ['RFC 1918 192.168/16', 'http://192.168.1.1/hook'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['carrier-grade NAT', 'http://100.64.0.1/hook'],
    ['multicast', 'http://224.0.0.1/hook'],
    ['broadcast', 'http://255.255.255.255/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['IPv6 unspecified', 'http://[::]/hook'],
    ['IPv4-mapped loopback, dotted', 'http://[::ffff:127.0.0.1]/hook'],
    ['IPv4-mapped loopback, hex', 'http://[::ffff:7f00:1]/hook'],
    ['IPv6 unique local', 'http://[fc00::1]/hook'],
    ['IPv6 link local', 'http://[fe80::1]/hook'],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/hook'],
    ['localhost', 'http://localhost/hook'],
    ['localhost with a trailing dot', 'http://LOCALHOST./hook'],
    ['a *.localhost name', 'http://foo.localhost/hook'],
    ['GCP metadata name', 'http://metadata.google.internal/computeMetadata/v1/'],
    ['bare metadata name', 'http://metadata/hook'],
    ['an mDNS name', 'http://printer.local/hook'],
    ['a hostname resolving to a private address', 'https://rebind.example/hook'],
    ['a hostname resolving to the metadata address', 'https://metadata.example/hook'],
    ['a hostname with one public and one private address', 'https://mixed.example/hook'],
  ])('refuses %s (%s) with PRIVATE_TARGET_REFUSED', async (_label, raw) => {
    const e = await rejection(checkTarget(parseTargetUrl(raw), strict));
    expect(e).toBeInstanceOf(CoreError);
    expect(e).toMatchObject({ code: 'PRIVATE_TARGET_REFUSED', field: 'url' });
    expect((e as CoreError).message).toContain('ALLOW_PRIVATE_TARGETS=true');
  });

  it('a hostname that resolves to a private address is refused at save time, naming address and range', async () => {
    await expect(checkTarget(parseTargetUrl('https://rebind.example/'), strict)).rejects.toThrow(
      /rebind\.example.*10\.0\.0\.5.*private/,
    );
  });

  it.each([
    'https://93.184.215.14/hook',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
    'https://public.example/hook',
    'https://v6public.example/hook',
  ])('lets the public target %s through', async (raw) => {
    await expect(checkTarget(parseTargetUrl(raw), strict)).resolves.toBeUndefined();
  });

  it('lets loopback through when private targets are allowed for development', async () => {
    await expect(checkTarget(parseTargetUrl('http://127.0.0.1:8080/hook'), permissive)).resolves.toBeUndefined();
    await expect(checkTarget(parseTargetUrl('http://localhost/hook'), permissive)).resolves.toBeUndefined();
  });

  it.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/hook'],
    ['unspecified IPv4', 'http://0.0.0.0:8080/hook'],
    ['IPv6 unspecified', 'http://[::]/hook'],
  ])('refuses %s (%s) even when private targets are allowed for development', async (_label, raw) => {
    const url = parseTargetUrl(raw);
    const e = await rejection(checkTarget(url, permissive));
    expect(e).toMatchObject({ code: 'PRIVATE_TARGET_REFUSED', field: 'url' });
    expect((e as CoreError).message).toContain('never webhook targets');
    expect(() => checkLiteralHost(url, permissive)).toThrow(/never webhook targets/);
  });

  it('does not refuse a host that does not resolve yet, but reports it as unresolved', async () => {
    const url = parseTargetUrl('https://not-yet.example/hook');
    await expect(checkTarget(url, strict)).resolves.toBeUndefined();
    await expect(inspectTarget(url, strict)).resolves.toMatchObject({ status: 'unresolved', code: 'ENOTFOUND' });
  });

  it('reports the checked addresses of an allowed host', async () => {
    await expect(inspectTarget(parseTargetUrl('https://public.example/'), strict)).resolves.toEqual({
      status: 'allowed',
      addresses: ['93.184.215.14'],
    });
  });
});

describe('checkLiteralHost before each send', () => {
  it('refuses an IP-literal loopback without any DNS', () => {
    const noDns: TargetPolicy = {
      allowPrivate: false,
      resolve: () => Promise.reject(new Error('DNS must not be used')),
    };
    expect(() => checkLiteralHost(parseTargetUrl('http://2130706433/'), noDns)).toThrow(CoreError);
    expect(() => checkLiteralHost(parseTargetUrl('http://public.example/'), noDns)).not.toThrow();
  });
});

describe('guardedLookup at send time', () => {
  let server: Server;
  let port: number;
  const agents: Agent[] = [];

  const agentFor = (policy: TargetPolicy): Agent => {
    const agent = new Agent({ connect: { lookup: guardedLookup(policy), timeout: 5_000 } });
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('received'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  it('refuses to connect when the name resolves to a private address', async () => {
    const e = await rejection(
      request(`http://receiver.test:${port}/hook`, { method: 'POST', body: '{}', dispatcher: agentFor(strict) }),
    );
    expect(codesOf(e)).toContain('PRIVATE_TARGET_REFUSED');
  });

  it('connects to exactly the checked address when private targets are allowed', async () => {
    const res = await request(`http://receiver.test:${port}/hook`, {
      method: 'POST',
      body: '{}',
      dispatcher: agentFor(permissive),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('received');
  });

  it('refuses a name that resolves to the metadata address even when private targets are allowed', async () => {
    const e = await new Promise<unknown>((resolve) => guardedLookup(permissive)('metadata.example', { all: true }, (err) => resolve(err)));
    expect(e).toMatchObject({ code: 'PRIVATE_TARGET_REFUSED', message: expect.stringContaining('never webhook targets') });
  });

  it('answers a single address or the full list as the caller asks', async () => {
    const lookup = guardedLookup(strict);
    const one = await new Promise<unknown[]>((resolve, reject) =>
      lookup('v6public.example', { family: 0 }, (err, address, family) =>
        err ? reject(err) : resolve([address, family]),
      ),
    );
    expect(one).toEqual(['2606:2800:220:1:248:1893:25c8:1946', 6]);
    const all = await new Promise<unknown>((resolve, reject) =>
      lookup('public.example', { all: true }, (err, address) => (err ? reject(err) : resolve(address))),
    );
    expect(all).toEqual([{ address: '93.184.215.14', family: 4 }]);
  });

  it('refuses a mixed answer even when the family hint would hide the private address', async () => {
    const lookup = guardedLookup(strict);
    const e = await new Promise<unknown>((resolve) =>
      lookup('mixed6.example', { family: 6, all: true }, (err) => resolve(err)),
    );
    expect(e).toMatchObject({ code: 'PRIVATE_TARGET_REFUSED' });
  });
});
