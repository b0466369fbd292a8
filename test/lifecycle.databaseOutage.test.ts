import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlClient, ok, PLATFORM_KEY } from './helpers/api.js';
import { eventually } from './helpers/gateway.js';
import { startOutagePostgres } from './helpers/outagePostgres.js';
import { startGatewayProcess } from './helpers/processes.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

/**
 * The gateway rides out its database: stopped hard (a crash, a failover) and frozen (nothing
 * answers, connections stay open), under four publishers. Every publish is either
 * acknowledged or answered UNAVAILABLE with a 503 and Retry-After (so publishers retry); no
 * acknowledged event is lost; the gateway recovers without a restart. How long the answers
 * take is measured by `npm run reliability`, not here.
 */
type Answer = { ok: true; marker: string } | { ok: false; status: number; retryAfter: string | null; code: string | undefined };

let db: Awaited<ReturnType<typeof startOutagePostgres>>;
let rx: Receiver;
const delivered = new Set<string>();

beforeAll(async () => {
  db = await startOutagePostgres();
  rx = await startReceiver((req, res) => {
    const body = JSON.parse(req.body) as { answers?: Array<{ answer: { text?: string } }> };
    const marker = body.answers?.[0]?.answer.text;
    if (marker) delivered.add(marker);
    res.writeHead(200).end('ok');
  });
});
afterAll(async () => {
  await db?.close();
  await rx?.close();
});

describe('the database goes away and comes back', () => {
  it('stopped hard, then frozen, under four publishers: fast UNAVAILABLE answers, no acknowledged event lost, no restart', async () => {
    const gw = await startGatewayProcess(
      {
        DATABASE_URL: db.url,
        ROLES: 'api,workers',
        PORT: '0',
        HOST: '127.0.0.1',
        PLATFORM_API_KEY: PLATFORM_KEY,
        ALLOW_PRIVATE_TARGETS: 'true',
        RETRY_SCHEDULE: '500ms,1s,2s,5s,10s',
        WORKER_POLL_MS: '200',
        // Production's timeouts: what this test measures.
        DB_CONNECT_TIMEOUT_MS: '2000',
        DB_STATEMENT_TIMEOUT_MS: '3000',
      },
      'gateway ready',
    );
    const publishers: Array<Promise<void>> = [];
    let publishing = true;
    try {
      const base = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(gw.output())![1]!;
      const platform = gqlClient(base, PLATFORM_KEY);
      const { createAccount } = await ok(platform<{ createAccount: { apiKey: string } }>('mutation { createAccount(name: "Acme") { apiKey } }'));
      const gql = gqlClient(base, createAccount.apiKey);
      const { registerDevice } = await ok(
        gql<{ registerDevice: { id: string; token: string } }>(
          'mutation { registerDevice(input: { channel: WHATSAPP, name: "Line", identifier: "6281234567890", inboundHandler: WEBHOOK }) { id token } }',
        ),
      );
      const { saveWebhooks } = await ok(
        gql<{ saveWebhooks: { testTargets: Array<{ id: string }> } }>('mutation($i: SaveWebhooksInput!) { saveWebhooks(input: $i) { testTargets { id } } }', {
          i: { name: 'CRM', url: `${rx.url}/hook`, deviceIds: [registerDevice.id], events: ['SUBMISSION'] },
        }),
      );
      await ok(gql('mutation($id: ID!) { sendTest(targetId: $id) { success } }', { id: saveWebhooks.testTargets[0]!.id }));

      const answers: Answer[][] = [[], [], [], []];
      const publishOne = async (p: number, n: number): Promise<Answer> => {
        const marker = `p${p}-${n}`;
        const res = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_KEY}` },
          body: JSON.stringify({
            query: 'mutation($t: String!, $d: JSON!) { publishEvent(deviceToken: $t, event: SUBMISSION, data: $d) { eventId } }',
            variables: {
              t: registerDevice.token,
              d: { submission: { id: 1, name: 'Form' }, sender: '6281234567890', answers: [{ question: 'Q', answer: { type: 'text', text: marker } }], started_at: 1, completed_at: 2 },
            },
          }),
        });
        const body = (await res.json()) as { data?: { publishEvent?: { eventId: string } } | null; errors?: Array<{ extensions?: { code?: string } }> };
        if (res.status === 200 && body.data?.publishEvent) return { ok: true, marker };
        return { ok: false, status: res.status, retryAfter: res.headers.get('retry-after'), code: body.errors?.[0]?.extensions?.code };
      };
      for (let p = 0; p < 4; p++) {
        publishers.push(
          (async () => {
            for (let n = 0; publishing; n++) answers[p]!.push(await publishOne(p, n).catch((e: unknown) => ({ ok: false, status: 0, retryAfter: null, code: String(e) })));
          })(),
        );
      }
      const refusedSince = (marks: number[]) => answers.every((a, p) => a.slice(marks[p]).filter((x) => !x.ok).length >= 3);
      const acceptedSince = (marks: number[]) => answers.every((a, p) => a.slice(marks[p]).filter((x) => x.ok).length >= 5);
      const mark = () => answers.map((a) => a.length);

      await eventually(() => acceptedSince([0, 0, 0, 0]), 'publishing to work');
      const pid = gw.child.pid;

      await db.stopHard();
      let m = mark();
      await eventually(() => refusedSince(m), 'every publisher to be refused while the database is stopped');
      await db.start();
      m = mark();
      await eventually(() => acceptedSince(m), 'publishing to recover after the restart');

      db.freeze();
      m = mark();
      try {
        await eventually(() => refusedSince(m), 'every publisher to be refused while the database is frozen');
        expect((await fetch(`${base}/readyz`)).status).toBe(503);
      } finally {
        db.thaw();
      }
      m = mark();
      await eventually(() => acceptedSince(m), 'publishing to recover after the freeze');
      publishing = false;
      await Promise.all(publishers);

      const all = answers.flat();
      const refusals = all.filter((a): a is Extract<Answer, { ok: false }> => !a.ok);
      // Every refusal is the retryable kind, never an internal error.
      expect(refusals.filter((r) => !(r.status === 503 && r.retryAfter !== null && r.code === 'UNAVAILABLE'))).toEqual([]);
      const acknowledged = all.flatMap((a) => (a.ok ? [a.marker] : []));
      await eventually(() => acknowledged.every((mk) => delivered.has(mk)), `all ${acknowledged.length} acknowledged events delivered`);
      expect(gw.child.pid).toBe(pid);
      expect(gw.child.exitCode).toBeNull(); // the same process, never restarted
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    } finally {
      publishing = false;
      await Promise.allSettled(publishers);
      await gw.stop();
    }
  });
});
