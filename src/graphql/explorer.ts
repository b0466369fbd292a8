import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { getAltairHtml, getDistDirectory } from 'altair-static';
import { GRAPHQL_PATH } from './server.js';

/** Where the explorer's own files are served (Altair's build, from the altair-static package). */
export const EXPLORER_ASSETS = '/explorer/';

/** Where a browser keeps the API key typed into the explorer (never sent to the server but as a header). */
const KEY_STORAGE = 'kirisan.explorer.apiKey';

const STARTER_QUERY = `# Paste an account's API key above (the first npm start printed one),
# then press Send Request. Docs: the whole schema. Subscriptions work here too.
query Start {
  me { id name }
  devices { id label channel inboundHandler }
  webhookSummary { webhooks deviceLinks active }
}
`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * The API explorer at GET /graphql for browsers: Altair, served from this process (no CDN, so
 * it works offline and behind closed networks), with an API-key field kept in the browser's
 * localStorage, queries over HTTP and subscriptions over WebSocket on the same origin, and a
 * starter query. GraphQL clients (POST, or GET with a query) never get it.
 */
export function createExplorer(): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const dist = getDistDirectory();
  const page = explorerPage();
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === GRAPHQL_PATH) {
      if (url.searchParams.has('query') || !(req.headers.accept ?? '').includes('text/html')) return false;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
      return true;
    }
    if (!url.pathname.startsWith(EXPLORER_ASSETS)) return false;
    const relative = decodeURIComponent(url.pathname.slice(EXPLORER_ASSETS.length)) || 'index.html';
    const file = path.resolve(dist, relative);
    // Only files inside Altair's build; the page itself is ours (index.html is redirected to it).
    if (!file.startsWith(dist + path.sep) || relative === 'index.html') {
      res.writeHead(302, { location: GRAPHQL_PATH }).end();
      return true;
    }
    const body = await readFile(file).catch(() => null);
    if (!body) return false;
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=3600' }).end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

function explorerPage(): string {
  const bar = `
<style>
  #kirisan-key { position: fixed; top: 0; left: 0; right: 0; height: 40px; z-index: 1000; display: flex; gap: 8px; align-items: center;
    padding: 0 12px; font: 14px system-ui, sans-serif; background: #1f2937; color: #f9fafb; box-sizing: border-box; }
  #kirisan-key input { width: 28em; padding: 4px 6px; font: 13px ui-monospace, monospace; color: #f9fafb; background: #111827; border: 1px solid #4b5563; border-radius: 4px; }
  #kirisan-key button { padding: 4px 10px; font: 13px system-ui, sans-serif; color: #f9fafb; background: #374151; border: 1px solid #6b7280; border-radius: 4px; cursor: pointer; }
  #kirisan-key .note { color: #9ca3af; font-size: 12px; }
  app-root { position: fixed; top: 40px; left: 0; right: 0; bottom: 0; display: block; }
</style>
<form id="kirisan-key" autocomplete="off">
  <strong>Kirisan API</strong>
  <label>API key <input name="key" type="password" placeholder="kir_…" spellcheck="false"></label>
  <button type="submit">Use key</button>
  <button type="button" id="kirisan-forget">Forget</button>
  <span class="note" id="kirisan-key-state"></span>
</form>`;
  const init = `
  const STORAGE = ${JSON.stringify(KEY_STORAGE)};
  const form = document.getElementById('kirisan-key');
  const saved = localStorage.getItem(STORAGE) || '';
  form.elements.key.value = saved;
  document.getElementById('kirisan-key-state').textContent = saved
    ? 'kept in this browser only; sent as Authorization: Bearer on every request'
    : 'no key yet: queries run unauthenticated';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = form.elements.key.value.trim();
    if (key) localStorage.setItem(STORAGE, key); else localStorage.removeItem(STORAGE);
    location.reload();
  });
  document.getElementById('kirisan-forget').addEventListener('click', () => {
    localStorage.removeItem(STORAGE);
    location.reload();
  });
  const auth = saved ? 'Bearer ' + saved : null;
  AltairGraphQL.init({
    initialName: 'Kirisan',
    endpointURL: location.origin + ${JSON.stringify(GRAPHQL_PATH)},
    subscriptionsEndpoint: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + ${JSON.stringify(GRAPHQL_PATH)},
    initialSubscriptionRequestHandlerId: 'graphql-ws',
    initialSubscriptionsPayload: auth ? { authorization: auth } : {},
    initialHeaders: auth ? { Authorization: auth } : {},
    initialQuery: ${JSON.stringify(STARTER_QUERY)},
    preserveState: false,
    disableAccount: true,
    initialSettings: { 'alert.disableUpdateNotification': true, 'banners.disable': true, 'schema.reloadOnStart': true },
  });`;
  return getAltairHtml()
    .replace(/<base.*>/, `<base href="${EXPLORER_ASSETS}">`)
    .replace('<title>Altair</title>', '<title>Kirisan API explorer</title>')
    .replace('</body>', () => `${bar}\n<script type="module">${init}\n</script></body>`);
}
