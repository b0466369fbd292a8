import type { ServerResponse } from 'node:http';
import { startReceiver } from './receiver.js';

/**
 * A receiver that holds every live POST it sees for the first time (a slow server: the
 * response comes when the test says so) and answers at once what it has seen before (the same
 * webhook-id sent again) and every Send test.
 */
export async function startHoldingReceiver() {
  const seen = new Map<string, number>();
  const live = new Set<string>();
  const held: Array<{ webhookId: string; res: ServerResponse }> = [];
  const rx = await startReceiver((req, res) => {
    const id = String(req.headers['webhook-id']);
    const times = (seen.get(id) ?? 0) + 1;
    seen.set(id, times);
    if (req.headers['user-agent'] !== 'Kirisan-Webhook/1.0') return void res.writeHead(200).end('ok');
    live.add(id);
    if (times > 1) return void res.writeHead(200).end('ok');
    held.push({ webhookId: id, res });
  });
  return {
    ...rx,
    /** Live POSTs being held now. */
    held: () => held.length,
    /** Answers 200 to `n` held POSTs; returns their webhook-ids. */
    release(n: number): string[] {
      return held.splice(0, n).map(({ webhookId, res }) => {
        res.writeHead(200).end('ok');
        return webhookId;
      });
    },
    /** How many times each webhook-id arrived. */
    timesSeen: (webhookId: string) => seen.get(webhookId) ?? 0,
    /** Webhook-ids of the live deliveries seen (Send tests left out). */
    liveWebhookIds: () => [...live],
  };
}
