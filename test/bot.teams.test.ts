import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { eventually, seedAccount, startTestGateway, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { labels } from './helpers/chat.js';
import { startFakeTelegram, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * The bot as a team of admins uses it: in groups (privacy mode on, as Telegram sets it, and
 * off, as when the bot is a group admin), next to other bots, on webhooks with many devices.
 */

let tg: FakeTelegram;
let gw: TestGateway;
let bot: TelegramBot;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
/** A webhook on 60 WhatsApp devices whose incoming messages go to Autoreply, and 120 test targets. */
let big: { webhookId: string };
const PRIVATE_GROUP = -1001;
const OPEN_GROUP = -1002;
const ANA = 7101;
const BEN = 7102;

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver((_req, res) => res.writeHead(200).end('ok'));
  gw = await startTestGateway({ ...botEnv(tg), RETRY_SCHEDULE: 'none' });
  bot = await startTestBot(gw.config, gw.core);
  acct = await seedAccount(gw.core);
  const devices = [];
  for (let i = 0; i < 60; i++) {
    devices.push(await gw.core.devices.register(acct.accountId, { channel: 'whatsapp', name: `Line ${String(i + 1).padStart(2, '0')} of the support team`, identifier: `62812000${String(10_000 + i)}`, inboundHandler: 'autoreply' }));
  }
  const saved = await gw.core.webhooks.save(acct.accountId, { name: 'Big CRM', url: `${rx.url}/big`, deviceIds: devices.map((d) => d.id), events: ['incoming_message', 'submission'] });
  big = { webhookId: saved.webhookId };
  tg.group(PRIVATE_GROUP, { title: 'Ops (privacy on)', privacy: true });
  tg.group(OPEN_GROUP, { title: 'Ops (bot is admin)', privacy: false });
  for (const group of [PRIVATE_GROUP, OPEN_GROUP]) {
    const { code } = await gw.core.admins.createLinkCode(acct.accountId);
    tg.send(group, `/start ${code}`, { from: ANA });
    await tg.waitFor(group, 'is now an admin chat');
  }
  await linkChat(tg, gw.core, acct.accountId, ANA);
});
afterAll(async () => {
  await bot?.stop();
  await gw?.close();
  await tg?.close();
  await rx?.close();
});

const after = (chatId: number, since: number, text: string) => tg.waitFor(chatId, (m) => m.messageId > since && m.text.includes(text));

/** Ana fills /add up to the secret step in a group, with Ben talking in between. */
async function addUpToSecret(group: number, name: string) {
  let since = tg.messages(group).length;
  tg.send(group, '/add', { from: ANA });
  await after(group, since, 'step 1 of 6');
  // Ben's message is not Ana's answer (and in privacy mode the bot does not even see it).
  tg.send(group, 'lunch at noon?', { from: BEN });
  tg.send(group, name, { from: ANA });
  const step2 = await after(group, since, 'step 2 of 6');
  tg.send(group, `${rx.url}/${name}`, { from: ANA });
  let form = await after(group, step2.messageId, 'step 3 of 6');
  tg.press(form, 'Line 01', { from: ANA });
  form = await tg.waitFor(group, (m) => m.messageId === form.messageId && labels(m).some((l) => l.startsWith('✅ Line 01')));
  tg.press(form, 'Next', { from: ANA });
  form = await tg.waitFor(group, (m) => m.messageId === form.messageId && m.text.includes('step 4 of 6'));
  tg.press(form, 'Submission', { from: ANA });
  form = await tg.waitFor(group, (m) => m.messageId === form.messageId && labels(m).includes('✅ Submission'));
  since = tg.messages(group).length;
  tg.press(form, 'Next', { from: ANA });
  await after(group, since, 'Reply to this message with the signing secret');
  return form;
}

describe('a two-admin group', () => {
  for (const [group, mode] of [
    [PRIVATE_GROUP, 'privacy mode on'],
    [OPEN_GROUP, 'the bot as group admin'],
  ] as const) {
    it(`${mode}: each text step asks with force_reply, only the admin who started the form fills it, and the secret reaches the bot`, async () => {
      const name = `Team ${group}`;
      const form = await addUpToSecret(group, name);
      // Ben presses Ana's buttons: her form is not his.
      const seen = tg.answers.length;
      tg.press(form, 'Skip', { from: BEN });
      await eventually(() => tg.answers.slice(seen).some((a) => a.text?.includes('another admin started it')), "Ben's refusal");
      const secretId = tg.send(group, 'team-secret-value-42', { from: ANA });
      const confirm = await after(group, secretId, 'step 6 of 6');
      expect(confirm.text).toContain('Signing secret: ••••e-42');
      expect(confirm.text).toContain(`Name: ${name}`);
      tg.press(confirm, 'Save → test', { from: ANA });
      await after(group, secretId, `Saved ${name}`);
      const [row] = (await gw.core.webhooks.list(acct.accountId, { search: name })).items;
      expect(row).toMatchObject({ name, secretHint: '••••e-42' });
      // Every prompt for typed text was a force_reply aimed at Ana.
      const prompts = tg.calls.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === group && (c.payload.reply_markup as { force_reply?: boolean } | undefined)?.force_reply);
      expect(prompts.length).toBe(3);
      expect(prompts.every((c) => (c.payload.reply_markup as { selective?: boolean }).selective === true)).toBe(true);
      expect(tg.messages(group).find((m) => m.messageId === secretId)?.deleted).toBe(true);
    });
  }

  it("another bot's command is ignored; an unaddressed unknown command in a group is ignored too", async () => {
    const since = tg.messages(OPEN_GROUP).length;
    tg.send(OPEN_GROUP, '/status@grafana_bot', { from: BEN });
    tg.send(OPEN_GROUP, '/deploy', { from: BEN });
    tg.send(OPEN_GROUP, '/status@kirisan_admin_bot', { from: BEN });
    await after(OPEN_GROUP, since, 'Status of Acme');
    expect(tg.botMessages(OPEN_GROUP).filter((m) => m.messageId > since).map((m) => m.text.split('\n')[0])).toEqual(['📊 Status of Acme']);
  });
});

describe('webhooks with many devices', () => {
  it('/why on 60 devices fits one message: the devices are counted, the fix is said once', async () => {
    const since = tg.messages(ANA).length;
    tg.send(ANA, '/why Big CRM');
    const card = await after(ANA, since, 'Big CRM: found something to fix');
    expect(card.text).toContain('❌ Devices: 0 of 60 ready, 60 not:');
    expect(card.text.match(/set On incoming message → Webhook/g)).toHaveLength(1);
    expect(card.text).toMatch(/… and \d+ more devices/);
    expect(card.text.match(/URL scheme/g)).toHaveLength(1);
  });

  it('Send test reaches every one of 120 targets through paging', async () => {
    tg.send(ANA, '/webhooks Big CRM');
    const list = await tg.waitFor(ANA, 'Webhooks matching "Big CRM"');
    tg.press(list, 'Big CRM');
    const details = await tg.waitFor(ANA, (m) => m.messageId === list.messageId && m.text.startsWith('Big CRM'));
    expect(details.text).toContain('Devices: 60 devices');
    tg.press(details, 'Send test');
    let page = await tg.waitFor(ANA, (m) => m.messageId === list.messageId && m.text.includes('page 1 of 12 (120 targets)'));
    for (let i = 2; i <= 12; i++) {
      tg.press(page, 'Next');
      page = await tg.waitFor(ANA, (m) => m.messageId === list.messageId && m.text.includes(`page ${i} of 12`));
    }
    expect(labels(page)).toContain('120');
    tg.press(page, /^120$/);
    const preview = await tg.waitFor(ANA, (m) => m.messageId === list.messageId && m.text.includes('Payload preview'));
    expect(preview.text).toContain('Line 60 of the support team');
  });
});

describe('the bot introduces itself', () => {
  it('sets a description and a short description, and knows its deep link', () => {
    const description = tg.calls.find((c) => c.method === 'setMyDescription')?.payload.description;
    expect(description).toContain('/start <code>');
    expect(tg.calls.find((c) => c.method === 'setMyShortDescription')?.payload.short_description).toContain('Kirisan');
    expect(bot.deepLink('K-abc_123')).toBe('https://t.me/kirisan_admin_bot?start=K-abc_123');
  });
});
