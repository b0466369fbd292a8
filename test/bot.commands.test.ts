import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../src/bot/createBot.js';
import { createVault, parseKey, SEALED } from '../src/core/security/vault.js';
import { eventually, seedAccount, startTestGateway, TEST_ENCRYPTION_KEY, type TestGateway } from './helpers/gateway.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publishedData } from './helpers/samples.js';
import { botEnv, linkChat, startTestBot } from './helpers/telegramBot.js';
import { chatWaits, labels } from './helpers/chat.js';
import { startFakeTelegram, type ChatMessage, type FakeTelegram } from './helpers/telegramServer.js';

/** The read-and-act commands: /webhooks, /logs, /why, /status, and the /add escape hatches. */

let tg: FakeTelegram;
let gw: TestGateway;
let bot: TelegramBot;
let rx: Receiver;
let acct: Awaited<ReturnType<typeof seedAccount>>;
const ADMIN = 9001;

beforeAll(async () => {
  tg = await startFakeTelegram();
  rx = await startReceiver((req, res) => (req.path === '/bad' && req.headers['user-agent'] === 'Kirisan-Webhook/1.0' ? res.writeHead(401).end('no') : res.writeHead(200).end('ok')));
  gw = await startTestGateway({ ...botEnv(tg), RETRY_SCHEDULE: 'none' });
  gw.startWorker();
  bot = await startTestBot(gw.config, gw.core);
  acct = await seedAccount(gw.core);
  // Six webhooks (oldest first): "Hook 1" … "Hook 5" active on WhatsApp, "Bad" failing with 401.
  for (const name of ['Hook 1', 'Hook 2', 'Hook 3', 'Hook 4', 'Hook 5', 'Bad']) {
    const saved = await gw.core.webhooks.save(acct.accountId, { name, url: `${rx.url}/${name === 'Bad' ? 'bad' : 'ok'}`, deviceIds: [name === 'Bad' ? acct.tg.id : acct.wa.id], events: ['submission', 'incoming_message'] });
    const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
    await gw.core.tests.send(acct.accountId, target!.id);
  }
  await gw.core.devices.update(acct.accountId, acct.tg.id, { inboundHandler: 'autoreply' });
  await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.tg.token, event: 'submission', data: publishedData('submission', acct.tg) });
  await gw.core.dispatch.publish(acct.accountId, { deviceToken: acct.wa.token, event: 'submission', data: publishedData('submission', acct.wa) });
  await eventually(async () => (await gw.core.logs.list(acct.accountId, { filter: { test: false } })).items.length === 6, 'six live attempts');
  await linkChat(tg, gw.core, acct.accountId, ADMIN);
});
afterAll(async () => {
  await bot?.stop();
  await gw?.close();
  await tg?.close();
  await rx?.close();
});

const { mark, fresh, edited } = chatWaits(() => tg, ADMIN);
/** The numbered rows of a log list. */
const rowsOf = (m: ChatMessage) => m.text.split('\n').filter((l) => /^\d+\. [✅❌]/.test(l));
describe('/webhooks', () => {
  it('lists webhooks newest first, five to a page, with paging buttons', async () => {
    tg.send(ADMIN, '/webhooks');
    const first = await tg.waitFor(ADMIN, 'Webhooks · page 1');
    expect(first.text).toContain('1. Bad — 🟢 Active · Telegram · 1 device');
    expect(labels(first)).toEqual(['1. Bad', '2. Hook 5', '3. Hook 4', '4. Hook 3', '5. Hook 2', 'Next ▶']);
    tg.press(first, 'Next');
    const second = await edited(first, (m) => m.text.includes('page 2'));
    expect(labels(second)).toEqual(['6. Hook 1', '◀ Previous']);
  });

  it('a webhook’s details show URL, status per endpoint, devices, events, secret hint and last attempts', async () => {
    const list = await tg.waitFor(ADMIN, 'Webhooks · page 2');
    tg.press(list, 'Hook 1');
    const details = await edited(list, (m) => m.text.startsWith('Hook 1'));
    expect(details.text).toContain('WhatsApp endpoint: 🟢 Active');
    expect(details.text).toContain('Devices: Support line (+6281234567890) (WhatsApp)');
    expect(details.text).toContain('Events: Submission, Incoming Message');
    expect(details.text).toMatch(/✅ .* · Hook 1 · Submission · WhatsApp · HTTP 200/);
    expect(labels(details)).toEqual(['🧪 Send test', '🩺 Why?', '📜 Logs', '✏️ Edit', '📱 Devices', '🔁 Redeliver failed', '🔑 Rotate key', '⛔ Disable', '🗑 Delete', '◀ Webhooks']);
  });

  it('Delete asks first: Cancel keeps the webhook, Yes deletes it', async () => {
    const details = await tg.waitFor(ADMIN, (m) => m.text.startsWith('Hook 1'));
    tg.press(details, 'Delete');
    const ask = await edited(details, (m) => m.text.startsWith('Delete Hook 1?'));
    tg.press(ask, 'Cancel');
    const back = await edited(ask, (m) => m.text.startsWith('Hook 1'));
    expect((await gw.core.webhooks.list(acct.accountId)).items).toHaveLength(6);
    tg.press(back, 'Delete');
    const again = await edited(back, (m) => m.text.startsWith('Delete Hook 1?'));
    tg.press(again, 'Yes, delete');
    await edited(again, (m) => m.text.includes('Deleted Hook 1'));
    expect((await gw.core.webhooks.list(acct.accountId)).items.map((w) => w.name)).not.toContain('Hook 1');
  });
});

describe('Edit devices', () => {
  it('adds a device on another channel tab, keeps the secret, and only the new endpoint goes back to Pending test', async () => {
    const saved = await gw.core.webhooks.save(acct.accountId, { name: 'Signed', url: `${rx.url}/ok`, secret: 'keep-this-secret', deviceIds: [acct.wa.id], events: ['submission'] });
    const [target] = await gw.core.tests.targets(acct.accountId, { webhookId: saved.webhookId });
    await gw.core.tests.send(acct.accountId, target!.id);
    const since = mark();
    tg.send(ADMIN, '/webhooks');
    const list = await fresh(since, 'Webhooks · page 1');
    tg.press(list, 'Signed');
    const details = await edited(list, (m) => m.text.startsWith('Signed'));
    tg.press(details, '📱 Devices');
    let picker = await edited(details, (m) => m.text.startsWith('Edit devices of Signed'));
    expect(picker.text).toContain('Selected: Support line');
    tg.press(picker, 'Telegram');
    picker = await edited(picker, (m) => labels(m).some((l) => l.includes('Helpdesk bot')));
    tg.press(picker, 'Helpdesk bot');
    picker = await edited(picker, (m) => /Selected: .*Helpdesk bot/.test(m.text));
    tg.press(picker, 'Save → test');
    const done = await edited(picker, (m) => m.text.startsWith('💾 Devices saved'));
    expect(done.text).toContain('2 endpoints (WhatsApp, Telegram), 1 🟡 Pending test');
    const endpoints = await gw.core.webhooks.endpoints(acct.accountId, saved.webhookId);
    expect(endpoints.map((e) => [e.channel, e.status, e.secretHint]).sort()).toEqual([
      ['telegram', 'pending_test', '••••cret'],
      ['whatsapp', 'active', '••••cret'],
    ]);
    // Stored sealed (secrets at rest): every endpoint of the webhook opens to the same secret.
    const { rows } = await gw.db.pool.query<{ secret: string }>('select secret from endpoint where webhook_id = $1', [saved.webhookId]);
    const vault = createVault({ current: parseKey(TEST_ENCRYPTION_KEY) });
    expect([...new Set(rows.map((r) => vault.open(r.secret, SEALED.secret)))]).toEqual(['keep-this-secret']);
    await gw.core.webhooks.delete(acct.accountId, saved.webhookId);
  });
});

describe('/logs', () => {
  it('shows recent attempts; Failed narrows to failures; a failed row opens the delivery with its diagnosis', async () => {
    tg.send(ADMIN, '/logs');
    const all = await tg.waitFor(ADMIN, 'Logs · All statuses · All webhooks · page 1');
    expect(rowsOf(all)).toHaveLength(6);
    expect(labels(all).slice(0, 6)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(labels(all)).toContain('Older ▶');
    tg.press(all, 'Failed');
    const failed = await edited(all, (m) => m.text.includes('Logs · Failed'));
    const rows = rowsOf(failed);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^1\. ❌ .* · Bad · Submission · Telegram · HTTP 401/);
    tg.press(failed, /^1$/);
    const card = await edited(failed, (m) => m.text.startsWith('Webhook delivery'));
    expect(card.text).toContain('HTTP code: 401');
    expect(card.text).toContain('Cause: Your server refused the request as unauthorized (HTTP 401).');
    expect(labels(card)).toEqual(['🔁 Retry now', '◀ Logs']);
    tg.press(card, '◀ Logs');
    await edited(card, (m) => m.text.includes('Logs · Failed'));
  });

  it('filters by device and by event, and pages', async () => {
    let since = mark();
    tg.send(ADMIN, '/logs');
    const all = await fresh(since, 'Logs · All statuses');
    tg.press(all, 'Device');
    const pick = await edited(all, (m) => m.text.includes('filter by device'));
    tg.press(pick, 'Helpdesk bot');
    const byDevice = await edited(pick, (m) => m.text.includes('Helpdesk bot (@acme_help_bot)'));
    expect(rowsOf(byDevice).every((l) => l.includes('· Bad ·'))).toBe(true);
    tg.press(byDevice, 'Event');
    const pickEvent = await edited(byDevice, (m) => m.text.includes('filter by event'));
    tg.press(pickEvent, 'Incoming Message');
    const byEvent = await edited(pickEvent, (m) => m.text.includes('Incoming Message'));
    expect(byEvent.text).toContain('No attempts match');

    since = mark();
    tg.send(ADMIN, '/logs');
    const again = await fresh(since, 'Logs · All statuses');
    tg.press(again, 'Older');
    const older = await edited(again, (m) => m.text.includes('page 2'));
    expect(rowsOf(older).length).toBeGreaterThan(0);
    expect(labels(older)).toContain('◀ Newer');
  });
});

describe('/why and /status', () => {
  it('/why <name> runs the checklist: ✅ and ❌ with the fix for each problem', async () => {
    tg.send(ADMIN, '/why Bad incoming_message');
    const card = await tg.waitFor(ADMIN, 'Bad: found something to fix');
    expect(card.text).toContain('✅ Endpoint is Active');
    expect(card.text).toContain('✅ URL scheme: The URL uses plain http://, which this gateway allows');
    expect(card.text).toContain('❌ Devices: 0 of 1 ready, 1 not');
    expect(card.text).toContain("→ in the device's settings, set On incoming message → Webhook.");
    expect(card.text).toContain('• Helpdesk bot (@acme_help_bot) (Telegram): On incoming message → Webhook ✗');
    expect(card.text).toContain('❌ Recent live attempts');
  });

  it('/why with a name matching several webhooks asks which one', async () => {
    tg.send(ADMIN, '/why Hook');
    const ask = await tg.waitFor(ADMIN, 'Which webhook matching "Hook"?');
    expect(labels(ask)).toEqual(['Hook 5', 'Hook 4', 'Hook 3', 'Hook 2']);
    tg.press(ask, 'Hook 2');
    await tg.waitFor(ADMIN, /^🩺 Hook 2: /);
  });

  it('/status gives the figures and the failing endpoints with a Why? button', async () => {
    tg.send(ADMIN, '/status');
    const s = await tg.waitFor(ADMIN, 'Status of Acme');
    expect(s.text).toContain('Webhooks: 5 · endpoints: 5 (5 Active)');
    expect(s.text).toMatch(/Last 24 h: 5 delivered, 1 failed attempts/);
    expect(s.text).toMatch(/❌ Bad \(Telegram\): 1 failure since .*, last HTTP 401/);
    expect(labels(s)).toEqual(['🩺 Why Bad?']);
  });
});

describe('/add escape hatches', () => {
  it('/cancel at any step writes nothing and deletes the message with the secret', async () => {
    const since = mark();
    tg.send(ADMIN, '/add');
    await fresh(since, 'step 1 of 6');
    tg.send(ADMIN, 'Draft');
    await fresh(since, 'step 2 of 6');
    tg.send(ADMIN, `${rx.url}/draft`);
    let form = await fresh(since, 'step 3 of 6');
    tg.press(form, 'Support line');
    form = await edited(form, (m) => labels(m).some((l) => l.startsWith('✅ Support line')));
    tg.press(form, 'Next');
    form = await edited(form, (m) => m.text.includes('step 4 of 6'));
    tg.press(form, 'Submission');
    form = await edited(form, (m) => labels(m).includes('✅ Submission'));
    tg.press(form, 'Next');
    await edited(form, (m) => m.text.includes('step 5 of 6'));
    tg.refuseDeletes(true);
    const secret = tg.send(ADMIN, 'another-secret-value');
    await fresh(secret, 'step 6 of 6');
    tg.send(ADMIN, '/cancel');
    await fresh(secret, 'Cancelled: nothing was saved');
    // Here the bot may not delete it (as in a group where it is not admin): it says so.
    await tg.waitFor(ADMIN, 'could not delete your message with the signing secret');
    tg.refuseDeletes(false);
    expect((await gw.core.webhooks.list(acct.accountId)).items.map((w) => w.name)).not.toContain('Draft');
    // The draft (and the secret in it) is gone from the session store once the update is handled.
    await eventually(async () => !JSON.stringify((await gw.core.admins.sessions.read(`tg:${ADMIN}:${ADMIN}`)) ?? {}).includes('another-secret-value'), 'the draft forgotten');
  });

  it('buttons of a cancelled form do nothing', async () => {
    const seen = tg.answers.length;
    tg.pressData(ADMIN, 1, 'ad:save');
    await eventually(() => tg.answers.slice(seen).some((a) => a.text?.includes('This form is closed')), 'the answer');
  });

  it('an unknown command gets the help', async () => {
    tg.send(ADMIN, '/frobnicate');
    await tg.waitFor(ADMIN, 'I did not get that.');
  });
});
