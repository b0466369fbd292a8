import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { TelegramBot } from '../src/bot/createBot.js';
import { eventually, saveActive, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/** Custom headers, rate limit and signing-key rotation from the chat. */

let tg: FakeTelegram;
let gw: TestGateway;
let bot: TelegramBot;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let webhookId: string;
const ADMIN = 9101;
const LIVE = 'Kirisan-Webhook/1.0';

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver();
  gw = await startTestGateway(botEnv(tg));
  gw.startWorker();
  bot = await startTestBot(gw.config, gw.core);
  acct = await seedAccount(gw.core);
  webhookId = (await saveActive(gw.core, acct.accountId, { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [acct.wa.id], events: ['submission'] })).webhookId;
  await linkChat(tg, gw.core, acct.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await gw?.close();
  await tg?.close();
  await rx?.close();
});

const mark = () => tg.messages(ADMIN).length;
const fresh = (since: number, text: string) => tg.waitFor(ADMIN, (m) => m.messageId > since && m.text.includes(text));
const stored = async () => (await gw.db.pool.query(`select custom_headers, rate_limit, signing_key from endpoint where webhook_id = $1`, [webhookId])).rows;

async function publishAndReceive() {
  const before = rx.received.filter((r) => r.headers['user-agent'] === LIVE).length;
  await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
  return eventually(() => rx.received.filter((r) => r.headers['user-agent'] === LIVE)[before], 'the live POST');
}

describe('delivery settings in chat', () => {
  it('/headers refuses a contract header, naming it, and writes nothing', async () => {
    const before = await stored();
    const m = mark();
    tg.send(ADMIN, '/headers CRM\nX-Api-Key: abc\nX-Kirisan-Device: forged');
    const refusal = await fresh(m, '❌');
    expect(refusal.text).toContain('X-Kirisan-Device is a contract header');
    expect(await stored()).toEqual(before);
  });

  it('/headers saves name/value lines; they go out on live POSTs and show as hints in the details', async () => {
    let m = mark();
    tg.send(ADMIN, '/headers CRM\nX-Api-Key: sk_live_1234567890abcd');
    const saved = await fresh(m, 'Custom headers saved');
    expect(saved.text).toContain('X-Api-Key ••••abcd');
    expect(saved.text).not.toContain('sk_live');
    expect((await publishAndReceive()).headers['x-api-key']).toBe('sk_live_1234567890abcd');
    m = mark();
    tg.send(ADMIN, '/headers CRM');
    expect((await fresh(m, 'Custom headers:')).text).toContain('X-Api-Key ••••abcd');
  });

  it('/ratelimit sets and removes the limit, refuses what is not a number, and the list and details show it', async () => {
    let m = mark();
    tg.send(ADMIN, '/ratelimit CRM many');
    expect((await fresh(m, '❌')).text).toContain('Rate limit:');
    m = mark();
    tg.send(ADMIN, '/ratelimit CRM 50');
    expect((await fresh(m, 'Rate limit saved')).text).toContain('50 deliveries/s per endpoint');
    m = mark();
    tg.send(ADMIN, '/webhooks');
    const list = await fresh(m, 'Webhooks · page 1');
    expect(list.text).toContain('≤ 50/s');
    tg.press(list, 'CRM');
    const details = await tg.waitFor(ADMIN, (x) => x.messageId === list.messageId && x.text.startsWith('CRM'));
    expect(details.text).toContain('Rate limit: 50 deliveries/s per endpoint');
    expect(details.text).toContain('Custom headers: X-Api-Key ••••abcd');
    m = mark();
    tg.send(ADMIN, '/ratelimit CRM off');
    await fresh(m, 'Rate limit removed');
    expect((await stored())[0]!.rate_limit).toBeNull();
  });

  it('/rotatekey asks, then shows the new key once; both keys verify POSTs during the overlap', async () => {
    const oldKey = await gw.core.webhooks.signingKey(acct.accountId, webhookId);
    const m = mark();
    tg.send(ADMIN, '/rotatekey CRM');
    const ask = await fresh(m, 'Rotate the signing key of');
    tg.press(ask, 'Yes, rotate');
    const shown = await tg.waitFor(ADMIN, (x) => x.messageId === ask.messageId && x.text.includes('New signing key'));
    const newKey = /whsec_[A-Za-z0-9+/=]+/.exec(shown.text)![0];
    expect(newKey).not.toBe(oldKey);
    expect(shown.text).not.toContain(oldKey);
    const live = await publishAndReceive();
    for (const key of [oldKey, newKey]) expect(new Webhook(key).verify(live.body, live.headers as Record<string, string>)).toMatchObject({ event: 'submission' });
  });
});
