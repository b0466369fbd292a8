import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicError } from '../src/core/errors.js';
import { seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  gw = await startTestGateway();
  acct = await seedAccount(gw.core);
});
afterAll(async () => {
  await gw.close();
});

/** What a front door would answer for this call's failure (null: an internal error). */
const answered = async (call: () => Promise<unknown>) => {
  try {
    await call();
  } catch (e) {
    return publicError(e)?.code ?? null;
  }
  return 'ok';
};

describe('a request still running when a stop closes the database pools', () => {
  it('is answered UNAVAILABLE (retry later), not as an internal error, on the hot path and on the registry alike', async () => {
    await gw.db.close();
    // The hot path's pool (named SQL) and the registry's (the ORM).
    expect(await answered(() => gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) }))).toBe('UNAVAILABLE');
    expect(await answered(() => gw.core.devices.list(acct.accountId))).toBe('UNAVAILABLE');
    expect(await answered(() => gw.core.logs.list(acct.accountId, {}))).toBe('UNAVAILABLE');
    // The stop that closes them again (gw.close) still completes: closing is done once.
  });
});
