import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlClient, ok } from './helpers/api.js';
import { eventually } from './helpers/gateway.js';
import { startHoldingReceiver } from './helpers/holdingReceiver.js';

/**
 * `npm start` as a newcomer runs it: no DATABASE_URL (the embedded PostgreSQL), the demo
 * account printed at first start. The signal goes to npm, which must hand it to the gateway.
 * (`--ignore-scripts` skips only the prestart build, which the suite's setup already did.)
 */
let dataDir: string;
let rx: Awaited<ReturnType<typeof startHoldingReceiver>>;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
  chmodSync(dataDir, 0o755); // as root, the embedded server runs as its own user, who must get in
  rx = await startHoldingReceiver();
});
afterAll(async () => {
  await rx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(command: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      ENV_FILE: 'none',
      ALLOW_PRIVATE_TARGETS: 'true',
      SHUTDOWN_GRACE_MS: '3000',
      DELIVERY_TIMEOUT_MS: '600000',
      RETRY_SCHEDULE: 'none',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

const postmasterRunning = () => existsSync(path.join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'));

describe('npm start on the embedded default', () => {
  it('SIGTERM to npm stops the gateway gracefully: in-flight POSTs finish or are handed back, the embedded PostgreSQL stops, and the next start delivers what was handed back', async () => {
    const first = start(['npm', 'start', '--ignore-scripts', '--silent']);
    await eventually(() => first.output().includes('gateway ready'), 'the first start');
    const key = /API key: +(kir_\S+)/.exec(first.output())![1]!;
    const base = /API: +(http:\/\/\S+)\/graphql/.exec(first.output())![1]!;
    const gql = gqlClient(base, key);
    const { devices } = await ok(gql<{ devices: Array<{ id: string; token: string; channel: string }> }>('{ devices { id token channel } }'));
    const wa = devices.find((d) => d.channel === 'WHATSAPP')!;
    const { saveWebhooks } = await ok(
      gql<{ saveWebhooks: { testTargets: Array<{ id: string }> } }>(
        'mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { testTargets { id } } }',
        { i: { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [wa.id], events: ['SUBMISSION'] } },
      ),
    );
    expect((await ok(gql<{ sendTest: { success: boolean } }>('mutation($id: ID!) { sendTest(targetId: $id) { success } }', { id: saveWebhooks.testTargets[0]!.id }))).sendTest.success).toBe(true);
    const data = {
      submission: { id: 42, name: 'Registration form' },
      sender: '6281234567890',
      answers: [{ question: 'What is your name?', answer: { type: 'text', text: 'Jane Doe' } }],
      started_at: 1735689480,
      completed_at: 1735689600,
    };
    for (let i = 0; i < 16; i++) {
      await ok(gql('mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId } }', { t: wa.token, d: data }));
    }
    await eventually(() => rx.held() === 16, '16 POSTs held by the receiver');

    first.child.kill('SIGTERM'); // npm's pid, as a service manager or a terminal would signal it
    await eventually(() => first.output().includes('stopping: no new work is taken'), 'the gateway to get the signal');
    const finished = rx.release(8);
    expect(await first.exit).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    expect(postmasterRunning()).toBe(false); // the embedded server was stopped, last

    // The next start (on the same data folder) sends the 8 that were cut off, at once.
    const second = start([process.execPath, path.resolve('dist/src/main.js')]);
    try {
      await eventually(() => second.output().includes('gateway ready'), 'the second start');
      const cutOff = rx.liveWebhookIds().filter((id) => !finished.includes(id));
      expect(cutOff).toHaveLength(8);
      await eventually(() => cutOff.every((id) => rx.timesSeen(id) === 2), 'the 8 handed-back deliveries');
      for (const id of finished) expect(rx.timesSeen(id)).toBe(1);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
    }
    expect(postmasterRunning()).toBe(false);
  });
});
