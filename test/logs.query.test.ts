import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptView } from '../src/core/logs/attempts.js';
import { normalizeFilter, type AttemptFilter } from '../src/core/logs/filter.js';
import { encodeCursor } from '../src/core/pagination.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { firstRequestPasses, startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';

let gw: TestGateway;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let all: AttemptView[];

const activate = (name: string, path: string, deviceIds: string[], events: Array<'submission' | 'incoming_message'>) =>
  saveActive(gw.core, acct.accountId, { name, url: `${rx.url}${path}`, deviceIds, events });

async function pageAll(filter: AttemptFilter, first: number): Promise<AttemptView[]> {
  const rows: AttemptView[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await gw.core.logs.list(acct.accountId, { filter, first, after });
    rows.push(...page.items);
    if (!page.hasNextPage) return rows;
    after = page.endCursor;
  }
}

beforeAll(async () => {
  gw = await startTestGateway({ RETRY_SCHEDULE: 'none' });
  rx = await startReceiver(firstRequestPasses((req, res) => res.writeHead(req.path === '/fail' ? 500 : 200).end('done')));
  acct = await seedAccount(gw.core);
  await activate('Orders', '/ok', [acct.wa.id], ['submission', 'incoming_message']);
  await activate('Alerts', '/fail', [acct.tg.id], ['submission']);
  gw.startWorker();
  const publish = (device: typeof acct.wa, event: 'submission' | 'incoming_message') =>
    gw.core.dispatch.publish(acct.accountId, { deviceToken: device.token, event, data: publishedData(event, device) });
  for (let i = 0; i < 5; i++) await publish(acct.wa, 'submission');
  for (let i = 0; i < 3; i++) await publish(acct.tg, 'submission');
  for (let i = 0; i < 2; i++) await publish(acct.wa, 'incoming_message');
  all = await eventually(async () => {
    const page = await gw.core.logs.list(acct.accountId, { first: 100 });
    return page.items.length === 2 + 10 ? page.items : undefined;
  }, '12 attempts');
});
afterAll(async () => {
  await gw.close();
  await rx.close();
});

describe('Webhooks → Logs', () => {
  it('lists every POST, live and test, newest first', () => {
    expect(all.filter((a) => a.test)).toHaveLength(2);
    expect(all.filter((a) => !a.test)).toHaveLength(10);
    const keys = all.map((a) => [a.startedAt.getTime(), Number(a.id)]);
    const sorted = [...keys].sort((x, y) => y[0]! - x[0]! || y[1]! - x[1]!);
    expect(keys).toEqual(sorted);
  });

  it('All statuses → Failed shows only failed rows', async () => {
    const failed = await pageAll({ statuses: ['failed'] }, 50);
    expect(failed).toHaveLength(3);
    expect(failed.every((a) => a.outcome === 'failed' && a.webhookName === 'Alerts' && a.httpCode === 500)).toBe(true);
  });

  const filters: Array<[string, () => AttemptFilter, number]> = [
    ['event: incoming message', () => ({ events: ['incoming_message'] }), 2],
    ['event: submission', () => ({ events: ['submission'] }), 10],
    ['channel: Telegram', () => ({ channels: ['telegram'] }), 4],
    ['channel: Email (never has rows)', () => ({ channels: ['email'] }), 0],
    ['device: the WhatsApp line', () => ({ deviceId: acct.wa.id }), 8],
    ['device-id prefix search by token', () => ({ deviceSearch: acct.tg.token.slice(0, 10) }), 4],
    ['device-id prefix search by number', () => ({ deviceSearch: '+62812345' }), 8],
    ['status success and test only', () => ({ statuses: ['success'], test: true }), 2],
    ['a time range in the future', () => ({ from: new Date(Date.now() + 3_600_000) }), 0],
  ];

  it.each(filters)('filter %s', async (_what, filter, expected) => {
    const rows = await pageAll(filter(), 3);
    expect(rows).toHaveLength(expected);
  });

  it('keyset pages of 5 walk every row once, in order', async () => {
    const paged = await pageAll({}, 5);
    expect(paged.map((a) => a.id)).toEqual(all.map((a) => a.id));
  });

  it('changing a filter restarts from the first page: a cursor does not carry over', async () => {
    const page = await gw.core.logs.list(acct.accountId, { first: 2 });
    await expect(gw.core.logs.list(acct.accountId, { first: 2, after: page.endCursor, filter: { statuses: ['failed'] } })).rejects.toMatchObject({ code: 'BAD_CURSOR' });
  });

  it('the detail of a failed row has the HTTP code, duration, device, error and diagnosis', async () => {
    const failed = all.find((a) => a.outcome === 'failed')!;
    const detail = await gw.core.logs.get(acct.accountId, failed.id);
    expect(detail).toMatchObject({
      webhookName: 'Alerts',
      eventName: 'submission',
      channel: 'telegram',
      httpCode: 500,
      responseBody: 'done',
      device: { name: 'Helpdesk bot', identifier: 'acme_help_bot' },
    });
    expect(detail.durationMs).toBeGreaterThanOrEqual(0);
    expect(detail.errorText).toContain('500');
    expect(detail.diagnosis).toMatchObject({ code: 'server_error' });
  });

  it("another account sees none of these rows", async () => {
    const other = await seedAccount(gw.core, 'Other');
    expect((await gw.core.logs.list(other.accountId)).items).toHaveLength(0);
    await expect(gw.core.logs.get(other.accountId, all[0]!.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('Webhooks → Logs over many days', () => {
  it('pages that reach past the newest two days go on into older days, newest first, each row once, with or without a filter', async () => {
    // Older attempts as retention keeps them: copies of this account's rows, 3, 4 and 10 days back.
    const day = 86_400_000;
    await gw.db.pool.query(`select ensure_attempt_partitions(now() - interval '11 days', now())`);
    await gw.db.pool.query(
      `insert into attempt (account_id, delivery_id, event_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
                            started_at, duration_ms, http_code, outcome, error_code, error_text, response_body, attempt_number)
       select account_id, delivery_id, event_id, endpoint_id, webhook_name, device_id, channel, event_name, url, test,
              started_at - d * interval '1 day', duration_ms, http_code, outcome, error_code, error_text, response_body, attempt_number
         from attempt, unnest(array[3, 4, 10]) d where account_id = $1`,
      [acct.accountId],
    );
    const everything = (await gw.core.logs.list(acct.accountId, { first: 100 })).items;
    expect(everything).toHaveLength(4 * all.length);
    const keys = everything.map((a) => [a.startedAt.getTime(), Number(a.id)]);
    expect(keys).toEqual([...keys].sort((x, y) => y[0]! - x[0]! || y[1]! - x[1]!));
    expect(everything.at(-1)!.startedAt.getTime()).toBeLessThan(Date.now() - 9 * day);

    for (const size of [5, 7, 13]) expect((await pageAll({}, size)).map((a) => a.id)).toEqual(everything.map((a) => a.id));
    const failed = everything.filter((a) => a.outcome === 'failed').map((a) => a.id);
    expect(failed).toHaveLength(12);
    expect((await pageAll({ statuses: ['failed'] }, 5)).map((a) => a.id)).toEqual(failed);
    const inRange = { from: new Date(Date.now() - 5 * day), to: new Date(Date.now() - 2.5 * day) };
    const expected = everything.filter((a) => a.startedAt >= inRange.from && a.startedAt < inRange.to).map((a) => a.id);
    expect(expected).toHaveLength(2 * all.length);
    expect((await pageAll(inRange, 5)).map((a) => a.id)).toEqual(expected);
  });
});

describe('Webhooks → Logs cursors', () => {
  it('a cursor made by hand with a key that is not a time and an id is refused as BAD_CURSOR, like any other', async () => {
    for (const key of [['yesterday', '1'], ['2026-12-01T10:00:00.000000', 'x'], ['2026-12-01T10:00:00.000000', '9223372036854775808']]) {
      const after = encodeCursor(key, normalizeFilter({}));
      await expect(gw.core.logs.list(acct.accountId, { first: 5, after })).rejects.toMatchObject({ code: 'BAD_CURSOR', field: 'after' });
    }
  });

  it('a cursor made by hand that is a time and an id continues from there, up to the largest id (the bench jumps half-way down the log so)', async () => {
    const all = await gw.core.logs.list(acct.accountId, { first: 100 });
    const newest = all.items[0]!;
    const key = new Date(newest.startedAt.getTime() + 1).toISOString().replace('Z', '000').slice(0, 26);
    const page = await gw.core.logs.list(acct.accountId, { first: 100, after: encodeCursor([key, '9223372036854775807'], normalizeFilter({})) });
    expect(page.items.map((a) => a.id)).toEqual(all.items.map((a) => a.id));
  });
});
