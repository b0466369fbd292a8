import { startPrintingReceiver } from './lib/printingReceiver.js';

/**
 * `npm run receiver [-- <port>]`: a webhook receiver on 127.0.0.1 (port 4001 by default) that
 * prints every POST and answers 200, to point a webhook at while you try the gateway (which
 * must then allow private targets: ALLOW_PRIVATE_TARGETS=true).
 */
const port = Number(process.argv[2] ?? process.env.RECEIVER_PORT ?? 4001);
const rx = await startPrintingReceiver({ port });
process.stdout.write(`Receiver listening on ${rx.url}/webhooks/kirisan (Ctrl+C to stop); every POST is printed here.\n`);
const stop = () => void rx.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
