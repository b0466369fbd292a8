import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishSamplesBlock, SAMPLES_END, SAMPLES_START } from '../scripts/lib/publishSamples.js';
import { createTestDatabase } from './helpers/db.js';
import { startGatewayProcess } from './helpers/processes.js';
import { startReceiver } from './helpers/receiver.js';

/** A newcomer's first success: `npm run demo`, and the README's five-minute path run as written. */

function run(command: string, args: string[], opts: { cwd?: string; env: Record<string, string> }): Promise<{ code: number; out: string }> {
  const child = spawn(command, args, { cwd: opts.cwd, env: { PATH: process.env.PATH ?? '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out })));
}

const readme = readFileSync('README.md', 'utf8');
const block = (start: string, end: string) => {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`README.md has no block ${start}`);
  return /```sh\n([\s\S]*?)```/.exec(readme.slice(from, to))![1]!;
};

describe('the first success', { timeout: 240_000 }, () => {
  it('npm run demo walks the guide by itself with nothing configured: save, test, Active, every event, a failure explained', async () => {
    const cwd = mkdtempSync(path.resolve('.data', 'demo-'));
    chmodSync(cwd, 0o755); // the embedded server's user must be able to walk in
    try {
      const { code, out } = await run(process.execPath, [path.resolve('dist/scripts/demo.js')], { cwd, env: {} });
      expect(out).toContain('Send test: Success · HTTP 200');
      expect(out).toMatch(/Status now: TELEGRAM ACTIVE, WABA ACTIVE, WHATSAPP ACTIVE/);
      for (const event of ['incoming_message', 'submission', 'message_status']) expect(out).toMatch(new RegExp(`receiver got POST /webhooks/kirisan  event=${event} .*\\(Kirisan-Webhook/1\\.0\\)  → answered 200`));
      expect(out).toContain('not routed: the device\'s On incoming message handler is Autoreply, not Webhook');
      expect(out).toMatch(/Webhooks → Logs, Failed: Demo receiver · HTTP 503/);
      expect(out).toMatch(/Cause: Your server rejected the request or was overloaded \(HTTP 503\)\.\n {3}Fix: {3}\S/);
      expect(code).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('the README\'s five-minute commands work as written against a fresh gateway, whose first start prints the next steps', async () => {
    const db = await createTestDatabase();
    const rx = await startReceiver();
    const gw = await startGatewayProcess({ DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', ROLES: 'api,workers', ALLOW_PRIVATE_TARGETS: 'true', RETRY_SCHEDULE: 'none' }, 'Next steps:');
    try {
      const key = /API key: +(kir_\S+)/.exec(gw.output())![1]!;
      expect(gw.output()).toMatch(/Next steps:\n {2}1\. Open http:\/\/127\.0\.0\.1:\d+\/graphql in a browser.*\n {2}2\. .*npm run demo\n {2}3\. /);
      const api = /(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(gw.output())![1]!;
      const script = [
        block('<!-- five-minutes:start -->', '<!-- five-minutes:end -->'),
        // The samples for every event and channel, with the other channels' tokens taken like WA_TOKEN.
        `TG_TOKEN=$(gql '{"query":"{ devices(channel: TELEGRAM) { token } }"}' | pick 'd.devices[0].token')`,
        `WABA_TOKEN=$(gql '{"query":"{ devices(channel: WABA) { token } }"}' | pick 'd.devices[0].token')`,
        block(SAMPLES_START, SAMPLES_END),
      ].join('\n');
      const { code, out } = await run('bash', ['-euo', 'pipefail', '-c', script], { env: { KEY: key, API: api, RECEIVER: rx.url } });
      expect(out).not.toContain('"errors"');
      expect(code).toBe(0);
      expect(out).toMatch(/"testTargets":\[\{"id":"[^"]+","label":"My receiver · Support line · incoming_message · http:\/\/127\.0\.0\.1:\d+\/webhooks\/kirisan · pending"/);
      expect(out).toContain('"sendTest":{"success":true,"httpStatus":200');
      expect(out).toMatch(/"name":"My receiver","url":"[^"]+","status":"ACTIVE"/);
      expect(out).toContain('"sendTest":{"success":false,"httpStatus":null,"errorCode":"connection_refused"');
      expect(out).toMatch(/"diagnosis":\{"cause":"[^"]+","fix":"[^"]+"\}/);
      // 2 live events in the walk, then the samples of every event and channel: only the WhatsApp
      // ones reach the webhook (it links that device only), and the WABA incoming message is not routed.
      expect(out.match(/"deliveriesQueued":1/g)).toHaveLength(2 + 2);
      expect(out.match(/"deliveriesQueued":0/g)).toHaveLength(5);
      expect(out).toContain('"notRoutedReason":"the device\'s On incoming message handler is Autoreply, not Webhook"');
      await rx.waitFor(1 + 2 + 2);
      expect(rx.received.map((r) => r.headers['x-kirisan-event']).sort()).toEqual(['incoming_message', 'incoming_message', 'incoming_message', 'submission', 'submission']);
    } finally {
      await gw.stop();
      await rx.close();
      await db.drop();
    }
  });

  it('the README\'s publishEvent samples are the event catalogue\'s (npm run readme-samples rewrites them)', () => {
    expect(readme).toContain(publishSamplesBlock());
  });
});
