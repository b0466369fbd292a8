import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { createVault, parseKey, SEALED } from '../src/core/security/vault.js';
import { eventually, saveActive, seedAccount, startTestGateway, TEST_ENCRYPTION_KEY, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { chatWaits, labels } from './helpers/chat.js';
import { startFakeTelegram, type ChatMessage, type FakeTelegram } from './helpers/telegramServer.js';

/**
 * A webhook's details in the bot: ✏️ Edit changes one field at a time (name, URL, events,
 * signing secret; devices are in bot.commands), with the API's rules — the secret is kept
 * unless it is changed, and a change that needs re-verification asks for a new test —, and
 * 🔁 Redeliver failed sends every failed delivery again after a count and a confirmation.
 */

let tg: FakeTelegram;
let gw: TestGateway;
let bot: TelegramBot;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
const ADMIN = 9101;
const SECRET = 'orders-secret-1234';

beforeAll(async () => {
  tg = await startFakeTelegram();
  // Live traffic to /down fails; tests (and everything else) succeed.
  rx = await startReceiver((req, res) => (req.path === '/down' && req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? res.writeHead(503).end('busy') : res.writeHead(200).end('ok')));
  gw = await startTestGateway({ ...botEnv(tg), RETRY_SCHEDULE: 'none' });
  gw.startWorker();
  bot = await startTestBot(gw.config, gw.core);
  acct = await seedAccount(gw.core);
  await linkChat(tg, gw.core, acct.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await gw?.close();
  await tg?.close();
  await rx?.close();
});

const { mark, fresh, edited } = chatWaits(() => tg, ADMIN);
/** The webhook's endpoints as stored, their secrets opened (secrets are sealed at rest). */
const stored = async (webhookId: string) => {
  const vault = createVault({ current: parseKey(TEST_ENCRYPTION_KEY) });
  const { rows } = await gw.db.pool.query<{ name: string; url: string; secret: string | null; events: string[]; status: string }>('select name, url, secret, events, status from endpoint where webhook_id = $1', [webhookId]);
  return rows.map((r) => ({ ...r, secret: r.secret === null ? null : vault.open(r.secret, SEALED.secret) }));
};

/** /webhooks <name> → the webhook's details. */
async function openDetails(name: string): Promise<ChatMessage> {
  const since = mark();
  tg.send(ADMIN, `/webhooks ${name}`);
  const list = await fresh(since, 'Webhooks matching');
  tg.press(list, name);
  return edited(list, (m) => m.text.startsWith(name));
}

/**
 * Details → ✏️ Edit → one field: the screen it opens (Events and Signing secret replace the
 * menu), or for Name and URL the prompt the bot sends for the typed answer.
 */
async function editField(name: string, field: 'Name' | 'URL' | 'Events' | 'Signing secret'): Promise<ChatMessage> {
  const details = await openDetails(name);
  tg.press(details, '✏️ Edit');
  const menu = await edited(details, (m) => m.text.startsWith(`Edit ${name}`));
  expect(labels(menu)).toEqual(['Name', 'URL', 'Events', 'Signing secret', '📱 Devices', '◀ Details']);
  const since = mark();
  tg.press(menu, field);
  if (field === 'Events') return edited(menu, (m) => m.text.startsWith('Edit events'));
  if (field === 'Signing secret') return edited(menu, (m) => m.text.startsWith('Edit signing secret'));
  return fresh(since, `Reply with the new ${field.toLowerCase()} of ${name}`);
}

describe('✏️ Edit in chat', () => {
  let webhookId: string;
  beforeAll(async () => {
    ({ webhookId } = await saveActive(gw.core, acct.accountId, { name: 'Orders', url: `${rx.url}/orders`, secret: SECRET, deviceIds: [acct.wa.id], events: ['submission'] }));
  });

  it('Name: the reply renames the webhook; the status and the secret stay', async () => {
    const prompt = await editField('Orders', 'Name');
    expect(prompt.forceReply).not.toBeNull();
    const since = mark();
    tg.send(ADMIN, 'Orders EU');
    const saved = await fresh(since, 'Name saved');
    expect(saved.text).toBe('💾 Name saved: 1 endpoint (WhatsApp), status unchanged.');
    expect(labels(saved)).toEqual(['🧪 Send test', '◀ Details']);
    expect(await stored(webhookId)).toEqual([{ name: 'Orders EU', url: `${rx.url}/orders`, secret: SECRET, events: ['submission'], status: 'active' }]);
  });

  it('URL: a bad one is refused with the field’s label and changes nothing; a good one asks for a new test and keeps the secret', async () => {
    await editField('Orders EU', 'URL');
    let since = mark();
    tg.send(ADMIN, 'ftp://example.com/hook');
    const refusal = await fresh(since, /^❌ /);
    expect(refusal.text).toMatch(/^❌ URL: /);
    expect((await stored(webhookId))[0]).toMatchObject({ url: `${rx.url}/orders`, status: 'active' });

    since = mark();
    tg.send(ADMIN, `${rx.url}/orders-v2`);
    const saved = await fresh(since, 'URL saved');
    expect(saved.text).toBe('💾 URL saved: 1 endpoint (WhatsApp), 1 🟡 Pending test: send a test to make it Active again.');
    expect(await stored(webhookId)).toEqual([{ name: 'Orders EU', url: `${rx.url}/orders-v2`, secret: SECRET, events: ['submission'], status: 'pending_test' }]);
    // Send test from the saved message makes it Active again.
    tg.press(saved, 'Send test');
    const targets = await edited(saved, (m) => m.text.includes('Choose a test target'));
    expect(targets.text).toContain(`Orders EU · Support line · submission · ${rx.url}/orders-v2 · pending`);
    tg.press(targets, /^1$/);
    const preview = await edited(targets, (m) => m.text.includes('Payload preview'));
    tg.press(preview, 'Send test');
    await tg.waitFor(ADMIN, (m) => m.text.includes('Success'));
    expect((await stored(webhookId))[0]!.status).toBe('active');
  });

  it('Events: toggles on the form, saved with Save → test; the secret stays', async () => {
    const form = await editField('Orders EU', 'Events');
    expect(labels(form)).toEqual(['⬜ Incoming Message', '✅ Submission', '⬜ Message status', '💾 Save → test', 'Cancel']);
    tg.press(form, 'Incoming Message');
    const toggled = await edited(form, (m) => labels(m).includes('✅ Incoming Message'));
    tg.press(toggled, 'Save → test');
    const saved = await edited(toggled, (m) => m.text.startsWith('💾 Events saved'));
    expect(saved.text).toContain('1 🟡 Pending test');
    expect((await stored(webhookId))[0]).toMatchObject({ events: ['submission', 'incoming_message'], secret: SECRET, status: 'pending_test' });
  });

  it('Events: Message status without a WABA device is refused in words, and nothing changes', async () => {
    const form = await editField('Orders EU', 'Events');
    tg.press(form, 'Message status');
    const toggled = await edited(form, (m) => labels(m).includes('✅ Message status'));
    const seen = tg.answers.length;
    const since = mark();
    tg.press(toggled, 'Save → test');
    // The refusal is a toast when it fits one, a message otherwise.
    await eventually(() => tg.answers.slice(seen).some((a) => a.text?.startsWith('❌ ')) || tg.messages(ADMIN).some((m) => m.messageId > since && m.text.startsWith('❌ ')), 'the refusal');
    const refusal = [...tg.answers.slice(seen).map((a) => a.text ?? ''), ...tg.messages(ADMIN).filter((m) => m.messageId > since).map((m) => m.text)].find((t) => t.startsWith('❌ '))!;
    expect(refusal).toMatch(/^❌ Events: /);
    expect(refusal).not.toMatch(/\bevents:/);
    expect((await stored(webhookId))[0]!.events).toEqual(['submission', 'incoming_message']);
  });

  it('Signing secret: the reply replaces it, the bot deletes the message that held it and shows only a hint', async () => {
    const screen = await editField('Orders EU', 'Signing secret');
    expect(screen.text).toContain('Now: ••••1234');
    expect(labels(screen)).toEqual(['🚫 No secret', 'Cancel']);
    await tg.waitFor(ADMIN, (m) => m.messageId > screen.messageId && m.text.includes('Reply to this message with the new signing secret'));
    const typed = tg.send(ADMIN, 'rotated-secret-5678');
    const saved = await fresh(typed, 'Signing secret saved');
    expect(tg.messages(ADMIN).find((m) => m.messageId === typed)!.deleted).toBe(true);
    expect(tg.messages(ADMIN).filter((m) => m.fromBot).some((m) => m.html.includes('rotated-secret-5678'))).toBe(false);
    expect(saved.text).toContain('Pending test');
    expect((await stored(webhookId))[0]!.secret).toBe('rotated-secret-5678');
    const details = await openDetails('Orders EU');
    expect(details.text).toContain('••••5678');
  });

  it('Signing secret: 🚫 No secret removes it; Cancel keeps what is stored', async () => {
    let screen = await editField('Orders EU', 'Signing secret');
    tg.press(screen, 'Cancel');
    await edited(screen, (m) => m.text === 'Nothing changed.');
    expect((await stored(webhookId))[0]!.secret).toBe('rotated-secret-5678');

    screen = await editField('Orders EU', 'Signing secret');
    tg.press(screen, 'No secret');
    await edited(screen, (m) => m.text.startsWith('💾 Signing secret saved'));
    expect((await stored(webhookId))[0]!.secret).toBeNull();
  });

  it('/cancel during a text step keeps everything as it was', async () => {
    const before = await stored(webhookId);
    await editField('Orders EU', 'Name');
    const since = mark();
    tg.send(ADMIN, '/cancel');
    await fresh(since, 'Cancelled: nothing changed.');
    // A later text is no answer to a closed edit: in a private chat it is just not understood.
    tg.send(ADMIN, 'Renamed after all');
    await fresh(since, 'I did not get that.');
    expect(await stored(webhookId)).toEqual(before);
  });
});

describe('🔁 Redeliver failed', () => {
  let webhookId: string;
  beforeAll(async () => {
    ({ webhookId } = await saveActive(gw.core, acct.accountId, { name: 'Flaky', url: `${rx.url}/down`, deviceIds: [acct.wa.id], events: ['submission'] }));
  });
  const failedDeliveries = async () => Number((await gw.db.pool.query(`select count(*)::int as n from delivery d join endpoint e on e.id = d.endpoint_id where e.webhook_id = $1 and d.status = 'failed'`, [webhookId])).rows[0].n);
  const liveRequests = () => rx.received.filter((r) => r.path === '/down' && r.headers['user-agent'] === 'Kirisan-Webhook/1.0');

  it('with nothing failed, says so and offers nothing to confirm', async () => {
    const details = await openDetails('Flaky');
    tg.press(details, 'Redeliver failed');
    const answer = await edited(details, (m) => m.text.includes('has no failed delivery'));
    expect(labels(answer)).toEqual(['◀ Details']);
  });

  it('counts the failed deliveries and asks first: Cancel requeues nothing, Yes sends each again with its webhook-id', async () => {
    for (let i = 0; i < 3; i++) await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
    await eventually(async () => (await failedDeliveries()) === 3, 'three failed deliveries');
    const firstIds = liveRequests().map((r) => r.headers['webhook-id']).sort();
    expect(firstIds).toHaveLength(3);

    let details = await openDetails('Flaky');
    tg.press(details, 'Redeliver failed');
    const ask = await edited(details, (m) => m.text.startsWith('Send again the 3 failed deliveries of Flaky?'));
    expect(labels(ask)).toEqual(['Yes, redeliver 3', 'Cancel']);
    tg.press(ask, 'Cancel');
    details = await edited(ask, (m) => m.text.startsWith('Flaky'));
    expect(await failedDeliveries()).toBe(3);
    expect(liveRequests()).toHaveLength(3);

    tg.press(details, 'Redeliver failed');
    const again = await edited(details, (m) => m.text.startsWith('Send again the 3 failed deliveries'));
    tg.press(again, 'Yes, redeliver 3');
    const done = await edited(again, (m) => m.text.startsWith('🔁'));
    expect(done.text).toBe('🔁 3 failed deliveries queued again. /logs shows the new attempts.');
    await rx.waitFor(rx.received.length - liveRequests().length + 6);
    expect(liveRequests().map((r) => r.headers['webhook-id']).sort()).toEqual([...firstIds, ...firstIds].sort());
    // They failed again (the receiver is still down): the count is back, ready for the next try.
    await eventually(async () => (await failedDeliveries()) === 3, 'the redeliveries recorded');
  });
});
