import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway({ ALLOW_PRIVATE_TARGETS: 'false' });
  acct = await seedAccount(gw.core);
});
afterAll(() => gw.close());

const hostile = [
  'http://127.0.0.1/hook',
  'http://2130706433/hook', // decimal 127.0.0.1
  'http://0x7f000001/hook', // hex
  'http://0177.0.0.1/hook', // octal
  'http://127.1/hook', // short form
  'http://0.0.0.0/hook',
  'http://10.0.0.8/hook',
  'http://172.16.5.4/hook',
  'http://192.168.0.10/hook',
  'http://169.254.169.254/latest/meta-data/', // cloud metadata
  'http://100.64.1.1/hook', // CGNAT
  'http://224.0.0.251/hook', // multicast
  'http://[::1]/hook',
  'http://[::]/hook',
  'http://[::ffff:127.0.0.1]/hook', // IPv4-mapped
  'http://[::ffff:a00:1]/hook', // IPv4-mapped 10.0.0.1
  'http://[fd12:3456::1]/hook', // unique local
  'http://[fe80::1]/hook', // link-local
  'http://localhost:8080/hook',
  'http://api.localhost/hook',
  'http://metadata.google.internal/computeMetadata/v1/',
  'https://internal.example.com/hook', // a public-looking name resolving to 10.1.2.3
];

describe('the URL guard at save time (private targets not allowed)', () => {
  it.each(hostile)('refuses %s with a clear error, saving nothing', async (url) => {
    const before = await gw.db.pool.query('select count(*)::int as n from endpoint');
    await expect(gw.core.webhooks.save(acct.accountId, { name: 'x', url, deviceIds: [acct.wa.id], events: ['submission'] })).rejects.toMatchObject({
      code: 'PRIVATE_TARGET_REFUSED',
      field: 'url',
      message: expect.stringContaining('public internet'),
    });
    expect((await gw.db.pool.query('select count(*)::int as n from endpoint')).rows).toEqual(before.rows);
  });

  it('accepts a public HTTPS address', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'ok', url: 'https://api.example.com/webhooks/kirisan', deviceIds: [acct.wa.id], events: ['submission'] });
    expect(saved.endpoints[0]!.url).toBe('https://api.example.com/webhooks/kirisan');
  });
});
