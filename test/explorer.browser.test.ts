import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/demo.js';
import { startApiGateway } from './helpers/api.js';
import { eventually } from './helpers/gateway.js';
import { startReceiver } from './helpers/receiver.js';

/**
 * The API explorer at GET /graphql, in a real browser (Debian's Chromium, which `.ci/run`
 * installs), with every request that would leave 127.0.0.1 blocked: it works offline.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let api: Awaited<ReturnType<typeof startApiGateway>>;
let browser: Browser;
let demoKey: string;
let demoAccount: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  api = await startApiGateway({ ROLES: 'api' });
  const demo = (await seedDemo(api.gateway.core, api.gateway.db))!;
  demoKey = demo.apiKey;
  demoAccount = demo.accountId;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe('the API explorer', () => {
  it('opens offline, keeps the API key in the browser, and runs the starter query with the demo key', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('http://127.0.0.1:')) return route.continue();
      outside.push(url);
      return route.abort('internetdisconnected');
    });
    const graphqlRequests: Array<{ authorization: string | undefined }> = [];
    const page = await context.newPage();
    page.on('request', (r) => {
      if (r.url() === `${api.http}/graphql` && r.method() === 'POST') graphqlRequests.push({ authorization: r.headers().authorization });
    });

    await page.goto(`${api.http}/graphql`);
    await page.locator('#kirisan-key input[name=key]').fill(demoKey);
    await page.getByRole('button', { name: 'Use key' }).click();
    // The page reloads with the key from localStorage, shown in the field again.
    await page.waitForFunction(`document.querySelector('#kirisan-key input[name=key]')?.value.startsWith('kir_')`);
    expect(await page.evaluate(`localStorage.getItem('kirisan.explorer.apiKey')`)).toBe(demoKey);

    await page.getByRole('button', { name: /Send Request/ }).first().click({ timeout: 30_000 });
    await page.waitForFunction(`document.body.innerText.includes('Support line (+6281234567890)')`, undefined, { timeout: 30_000 });
    const text = await page.evaluate<string>(`document.body.innerText`);
    expect(text).toContain('Demo account');
    expect(text).toContain('Helpdesk bot (@kirisan_helpdesk_bot)');
    expect(graphqlRequests.some((r) => r.authorization === `Bearer ${demoKey}`)).toBe(true);
    // docs/explorer.png is a copy of this picture.
    mkdirSync(path.resolve('.data/screenshots'), { recursive: true });
    await page.screenshot({ path: path.resolve('.data/screenshots/explorer.png') });

    // A subscription from the explorer, over WebSocket on the same origin, with the same key.
    const editor = page.locator('.cm-content', { hasText: 'query Start' });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription Live { deliveryAttempts { webhookName event httpCode test } }');
    await page.getByRole('button', { name: /Send Request|Subscribe/ }).first().click();
    await page.waitForFunction(`/subscri/i.test(document.body.innerText)`, undefined, { timeout: 30_000 });
    const rx = await startReceiver();
    try {
      const { core } = api.gateway;
      const [device] = await core.devices.list(demoAccount);
      const saved = await core.webhooks.save(demoAccount, { name: 'From the explorer', url: `${rx.url}/hook`, deviceIds: [device!.id], events: ['incoming_message'] });
      const [target] = await core.tests.targets(demoAccount, { webhookId: saved.webhookId });
      // Send tests until the subscription shows one (the first may come before it is open).
      await eventually(async () => {
        await core.tests.send(demoAccount, target!.id);
        return page.evaluate<boolean>(`document.body.innerText.includes('From the explorer')`);
      }, 'the live attempt in the explorer');
    } finally {
      await rx.close();
    }

    // Everything the page needs comes from the gateway itself.
    expect(outside.filter((u) => /\.(js|css|woff2?|json)(\?|$)/.test(u))).toEqual([]);
    await page.screenshot({ path: path.resolve('.data/screenshots/explorer-subscription.png') });
    await context.close();
  });
});
