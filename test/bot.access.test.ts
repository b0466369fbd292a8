import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { eventually, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/** Who may use the bot, and on what: linked chats only, and only their own account's data. */

let tg: FakeTelegram;
let gw: TestGateway;
let bot: TelegramBot;
let rx: Receiver;
let mine: Awaited<ReturnType<typeof seedAccount>>;
let theirs: Awaited<ReturnType<typeof seedAccount>>;
/** The other account's webhook, with a failed live delivery. */
let other: { webhookId: string; endpointId: string; deliveryId: string; attemptId: string };
const ADMIN = 6001;
const STRANGER = 6002;

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver((req, res) => res.writeHead(req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? 500 : 200).end('x'));
  gw = await startTestGateway({ ...botEnv(tg), RETRY_SCHEDULE: 'none' });
  gw.startWorker();
  bot = await startTestBot(gw.config, gw.core);
  mine = await seedAccount(gw.core, 'Mine');
  theirs = await seedAccount(gw.core, 'Theirs');
  const saved = await gw.core.webhooks.save(theirs.accountId, { name: 'Their CRM', url: `${rx.url}/theirs`, deviceIds: [theirs.wa.id], events: ['submission'] });
  const [target] = await gw.core.tests.targets(theirs.accountId, { webhookId: saved.webhookId });
  await gw.core.tests.send(theirs.accountId, target!.id);
  await gw.core.dispatch.publish(theirs.accountId, { deviceToken: theirs.wa.token, event: 'submission', data: publishedData('submission', theirs.wa) });
  const attempt = await eventually(async () => (await gw.core.logs.list(theirs.accountId, { filter: { test: false } })).items[0], 'their failed attempt');
  other = { webhookId: saved.webhookId, endpointId: saved.endpoints[0]!.id, deliveryId: attempt.deliveryId!, attemptId: attempt.id };
  await linkChat(tg, gw.core, mine.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await gw?.close();
  await tg?.close();
  await rx?.close();
});

/** Waits for the bot to answer a button press containing `text`. */
async function answered(text: string): Promise<void> {
  await eventually(() => tg.answers.some((a) => a.text?.includes(text)), `an answer with "${text}"`);
}

async function theirState() {
  const { rows } = await gw.db.pool.query(
    `select (select count(*)::int from endpoint where webhook_id = $1) as endpoints,
            (select status from delivery where id = $2) as delivery,
            (select count(*)::int from attempt where endpoint_id = $3) as attempts,
            (select muted_until from alert_state where endpoint_id = $3) as muted`,
    [other.webhookId, other.deliveryId, other.endpointId],
  );
  return rows[0];
}

describe('linking a chat', () => {
  it('an unlinked chat is told how to link, for a command, a plain message or a button, and nothing changes', async () => {
    const before = await theirState();
    tg.send(STRANGER, '/webhooks');
    await tg.waitFor(STRANGER, 'send /start <code> here');
    tg.send(STRANGER, 'hello?');
    await eventually(() => tg.botMessages(STRANGER).length === 2, 'a second explanation');
    tg.pressData(STRANGER, 1, `al:m:24:${other.endpointId}`);
    await answered('not linked to a Kirisan account: nothing was changed');
    expect(await theirState()).toEqual(before);
    expect(await gw.core.admins.accountOf(String(STRANGER))).toBeNull();
  });

  it('an expired code is refused and links nothing', async () => {
    const { code } = await gw.core.admins.createLinkCode(mine.accountId);
    await gw.db.pool.query(`update admin_link_code set expires_at = now() - interval '1 second' where used_at is null`);
    tg.send(STRANGER, `/start ${code}`);
    await tg.waitFor(STRANGER, 'this link code has expired');
    expect(await gw.core.admins.accountOf(String(STRANGER))).toBeNull();
  });

  it('a code works once: the second chat to use it is refused', async () => {
    const { code } = await gw.core.admins.createLinkCode(mine.accountId);
    tg.send(7001, `/start ${code}`);
    await tg.waitFor(7001, 'now an admin chat of Mine');
    tg.send(STRANGER, `/start ${code}`);
    await tg.waitFor(STRANGER, 'this link code was already used');
    expect(await gw.core.admins.accountOf(String(STRANGER))).toBeNull();
    expect(await gw.core.admins.accountOf('7001')).toMatchObject({ accountId: mine.accountId });
  });

  it('a made-up code is refused', async () => {
    tg.send(STRANGER, '/start AAAAAAAAAAAAAAAAAAAAAA');
    await tg.waitFor(STRANGER, 'this link code is not valid');
    expect(await gw.core.admins.accountOf(String(STRANGER))).toBeNull();
  });

  it('two chats racing with one code: exactly one is linked', async () => {
    const { code } = await gw.core.admins.createLinkCode(mine.accountId);
    const results = await Promise.allSettled([gw.core.admins.link({ chatId: '8001', code }), gw.core.admins.link({ chatId: '8002', code })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('a linked chat is not moved to another account by a code: /unlink first', async () => {
    const { code } = await gw.core.admins.createLinkCode(theirs.accountId);
    tg.send(ADMIN, `/start ${code}`);
    await tg.waitFor(ADMIN, 'already linked to Mine: unlink it first');
    expect(await gw.core.admins.accountOf(String(ADMIN))).toMatchObject({ accountId: mine.accountId });
  });
});

describe("another account's ids in buttons", () => {
  const forged = [
    ['delete confirmation', () => `wh:X:${other.webhookId}`],
    ['webhook details', () => `wh:v:${other.webhookId}`],
    ['mute 24 h', () => `al:m:24:${other.endpointId}`],
    ['retry now', () => `al:r:${other.deliveryId}`],
    ['alert details', () => `al:d:${other.endpointId}`],
    ['attempt details', () => `lg:a:${other.attemptId}`],
    ['troubleshooting', () => `wy:${other.webhookId}`],
  ] as const;

  for (const [what, data] of forged) {
    it(`${what}: refused as not found, nothing changed`, async () => {
      const before = await theirState();
      const seen = tg.answers.length;
      tg.pressData(ADMIN, 1, data());
      await eventually(() => tg.answers.slice(seen).some((a) => a.text?.includes('Not found in this account')), 'the refusal');
      expect(await theirState()).toEqual(before);
    });
  }

  it('Send test on their webhook sends nothing', async () => {
    const posts = rx.received.length;
    const seen = tg.answers.length;
    tg.pressData(ADMIN, 1, `ts:s:${other.webhookId}:0`);
    await eventually(() => tg.answers.slice(seen).some((a) => a.text?.includes('Not found in this account')), 'the refusal');
    expect(rx.received.length).toBe(posts);
  });

  it('their device in an /add form is refused at the devices step', async () => {
    tg.send(ADMIN, '/add');
    await tg.waitFor(ADMIN, 'step 1 of 6');
    tg.send(ADMIN, 'Sneaky');
    await tg.waitFor(ADMIN, 'step 2 of 6');
    tg.send(ADMIN, `${rx.url}/sneaky`);
    const form = await tg.waitFor(ADMIN, 'step 3 of 6');
    const seen = tg.answers.length;
    tg.pressData(ADMIN, form.messageId, `ad:dev:${theirs.wa.id}`);
    await eventually(() => tg.answers.length > seen, 'the press answered');
    tg.pressData(ADMIN, form.messageId, 'ad:next');
    await answered(`device ${theirs.wa.id} was not found in this account`);
    tg.send(ADMIN, '/cancel');
    await tg.waitFor(ADMIN, 'Cancelled: nothing was saved');
    expect((await gw.core.webhooks.list(mine.accountId)).items).toHaveLength(0);
  });
});

describe('unlinking', () => {
  it('/unlink removes the chat: its old buttons and commands then only explain how to link', async () => {
    tg.send(7001, '/unlink');
    await tg.waitFor(7001, 'no longer linked to Mine');
    expect(await gw.core.admins.accountOf('7001')).toBeNull();
    const seen = tg.answers.length;
    tg.pressData(7001, 1, `al:m:1:${other.endpointId}`);
    await eventually(() => tg.answers.slice(seen).some((a) => a.text?.includes('not linked')), 'the refusal');
    tg.send(7001, '/status');
    await tg.waitFor(7001, (m) => m.text.includes('send /start <code> here') && m.messageId > 3);
  });
});
