import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HANG_GUARD_MS } from './waits.js';

/**
 * A small Telegram Bot API server on 127.0.0.1 for tests: the bot under test talks to it
 * through its real HTTP client (`apiRoot`), receives updates by long polling, and sends,
 * edits and deletes messages here. Tests play the users: they write messages and press
 * buttons, and read what the bot showed in each chat.
 */

export const TEST_TOKEN = '123456789:TEST-token_for-the-fake-bot-api-server';
export const BOT_USER = { id: 123456789, is_bot: true, first_name: 'Kirisan admin', username: 'kirisan_admin_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

export interface Button {
  text: string;
  callback_data?: string;
}

/** A message in a chat, as it stands now (edits applied). */
export interface ChatMessage {
  chatId: number;
  messageId: number;
  fromBot: boolean;
  /** As the user sees it (HTML parsed away). */
  text: string;
  /** As the bot sent it. */
  html: string;
  buttons: Button[][];
  deleted: boolean;
  /** Bumped on every edit, so a test can wait for a change. */
  version: number;
}

type Update = Record<string, unknown> & { update_id: number };
type Payload = Record<string, unknown>;

export interface FakeTelegram {
  apiRoot: string;
  /** A user writes in a private chat (chat id = user id). Returns the message id. */
  send(chatId: number, text: string): number;
  /** A user presses an inline button of a bot message. */
  press(message: ChatMessage, text: string | RegExp): void;
  /** A user presses a button with made-up callback data (a forged or stale button). */
  pressData(chatId: number, messageId: number, data: string): void;
  /** Everything in a chat, oldest first. */
  messages(chatId: number): ChatMessage[];
  /** The bot's messages in a chat that are not deleted. */
  botMessages(chatId: number): ChatMessage[];
  /** Waits for a bot message (new or edited) matching, and returns it. */
  waitFor(chatId: number, match: string | RegExp | ((m: ChatMessage) => boolean)): Promise<ChatMessage>;
  /** Answers given to button presses (toasts and alerts), in order. */
  answers: Array<{ text?: string; show_alert?: boolean }>;
  /** Every Bot API call the bot made, in order. */
  calls: Array<{ method: string; payload: Payload }>;
  /** Makes the next call of `method` fail, as Telegram does under load or on flood control. */
  failNext(method: string, error: { error_code: number; description: string; parameters?: { retry_after?: number } }): void;
  /** Refuses deleteMessage (as in a group where the bot is not admin). */
  refuseDeletes(refuse: boolean): void;
  close(): Promise<void>;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const chats = new Map<number, ChatMessage[]>();
  const queue: Update[] = [];
  const pollers = new Set<() => void>();
  const failures = new Map<string, Array<{ error_code: number; description: string; parameters?: { retry_after?: number } }>>();
  const answers: FakeTelegram['answers'] = [];
  const calls: FakeTelegram['calls'] = [];
  const sockets = new Set<Socket>();
  const changeWaiters = new Set<() => void>();
  let updateId = 1;
  let callbackId = 1;
  let deletesRefused = false;

  const chat = (id: number) => {
    let list = chats.get(id);
    if (!list) chats.set(id, (list = []));
    return list;
  };
  const changed = () => changeWaiters.forEach((w) => w());
  const user = (chatId: number) => ({ id: chatId, is_bot: false, first_name: `Admin ${chatId}` });
  const telegramChat = (chatId: number) => ({ id: chatId, type: 'private', first_name: `Admin ${chatId}` });

  function push(update: Omit<Update, 'update_id'>) {
    queue.push({ update_id: updateId++, ...update });
    for (const wake of [...pollers]) wake();
  }

  function addMessage(chatId: number, fromBot: boolean, text: string, markup: unknown, parseMode?: unknown): ChatMessage {
    const list = chat(chatId);
    const m: ChatMessage = { chatId, messageId: list.length + 1, fromBot, text: parseMode === 'HTML' ? plain(text) : text, html: text, buttons: buttonsOf(markup), deleted: false, version: 1 };
    list.push(m);
    changed();
    return m;
  }

  function messageJson(m: ChatMessage) {
    return {
      message_id: m.messageId,
      date: Math.floor(Date.now() / 1000),
      chat: telegramChat(m.chatId),
      from: m.fromBot ? BOT_USER : user(m.chatId),
      text: m.text,
      ...(m.buttons.length ? { reply_markup: { inline_keyboard: m.buttons } } : {}),
    };
  }

  function find(payload: Payload): ChatMessage | undefined {
    return chat(Number(payload.chat_id)).find((m) => m.messageId === Number(payload.message_id) && !m.deleted);
  }

  const methods: Record<string, (p: Payload, res: ServerResponse) => unknown | Promise<unknown>> = {
    getMe: () => BOT_USER,
    deleteWebhook: () => true,
    setWebhook: () => true,
    setMyCommands: () => true,
    sendMessage: (p) => messageJson(addMessage(Number(p.chat_id), true, String(p.text), p.reply_markup, p.parse_mode)),
    editMessageText: (p) => {
      const m = find(p);
      if (!m) throw apiError(400, 'Bad Request: message to edit not found');
      const buttons = buttonsOf(p.reply_markup);
      if (m.html === p.text && JSON.stringify(m.buttons) === JSON.stringify(buttons)) throw apiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same');
      Object.assign(m, { text: p.parse_mode === 'HTML' ? plain(String(p.text)) : String(p.text), html: String(p.text), buttons, version: m.version + 1 });
      changed();
      return messageJson(m);
    },
    editMessageReplyMarkup: (p) => {
      const m = find(p);
      if (!m) throw apiError(400, 'Bad Request: message to edit not found');
      Object.assign(m, { buttons: buttonsOf(p.reply_markup), version: m.version + 1 });
      changed();
      return messageJson(m);
    },
    deleteMessage: (p) => {
      const m = find(p);
      if (!m) throw apiError(400, 'Bad Request: message to delete not found');
      if (deletesRefused) throw apiError(400, "Bad Request: message can't be deleted");
      m.deleted = true;
      changed();
      return true;
    },
    answerCallbackQuery: (p) => {
      answers.push({ text: typeof p.text === 'string' ? p.text : undefined, show_alert: p.show_alert === true });
      changed();
      return true;
    },
    getUpdates: (p, res) => {
      const offset = Number(p.offset ?? 0);
      while (queue.length && queue[0]!.update_id < offset) queue.shift();
      const limit = Number(p.limit ?? 100);
      if (queue.length) return queue.slice(0, limit);
      const timeoutMs = Number(p.timeout ?? 0) * 1000;
      if (!timeoutMs) return [];
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          pollers.delete(wake);
          resolve(queue.slice(0, limit));
        };
        const wake = () => done();
        const timer = setTimeout(done, timeoutMs);
        pollers.add(wake);
        // The bot aborts its poll when it stops.
        res.once('close', () => {
          clearTimeout(timer);
          pollers.delete(wake);
        });
      });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const body = await readBody(req);
    if (!m || m[1] !== TEST_TOKEN) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    const payload = body ? (JSON.parse(body) as Payload) : {};
    calls.push({ method, payload });
    const failure = failures.get(method)?.shift();
    if (failure) return reply(res, failure.error_code, { ok: false, ...failure });
    const impl = methods[method];
    if (!impl) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    try {
      const result = await impl(payload, res);
      if (!res.destroyed) reply(res, 200, { ok: true, result });
    } catch (e) {
      if (e instanceof ApiError) return reply(res, e.code, { ok: false, error_code: e.code, description: e.message });
      throw e;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => reply(res, 500, { ok: false, error_code: 500, description: String(e) }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: FakeTelegram = {
    apiRoot: `http://127.0.0.1:${port}`,
    answers,
    calls,
    send(chatId, text) {
      const m = addMessage(chatId, false, text, undefined);
      const command = /^\/\w+(@\w+)?/.exec(text);
      push({
        message: {
          ...messageJson(m),
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      });
      return m.messageId;
    },
    press(message, text) {
      const button = message.buttons.flat().find((b) => (typeof text === 'string' ? b.text.includes(text) : text.test(b.text)));
      if (!button?.callback_data) throw new Error(`no button ${String(text)} on message ${message.messageId}: ${JSON.stringify(message.buttons.map((r) => r.map((b) => b.text)))}`);
      api.pressData(message.chatId, message.messageId, button.callback_data);
    },
    pressData(chatId, messageId, data) {
      const m = chat(chatId).find((x) => x.messageId === messageId);
      push({
        callback_query: {
          id: String(callbackId++),
          from: user(chatId),
          chat_instance: String(chatId),
          data,
          ...(m ? { message: messageJson(m) } : {}),
        },
      });
    },
    messages: (chatId) => [...chat(chatId)],
    botMessages: (chatId) => chat(chatId).filter((m) => m.fromBot && !m.deleted),
    waitFor(chatId, match) {
      const test = typeof match === 'function' ? match : (m: ChatMessage) => (typeof match === 'string' ? m.text.includes(match) : match.test(m.text));
      // Newest first: an edited menu is the same message with its latest text.
      const look = () => [...chat(chatId)].reverse().find((m) => m.fromBot && !m.deleted && test(m));
      return new Promise((resolve, reject) => {
        const found = look();
        if (found) return resolve(found);
        const timer = setTimeout(() => {
          changeWaiters.delete(check);
          const seen = chat(chatId).filter((m) => m.fromBot).map((m) => `#${m.messageId}: ${m.text}`).join('\n---\n');
          reject(new Error(`gave up: no bot message matching ${String(match)} in chat ${chatId}; the chat has:\n${seen}`));
        }, HANG_GUARD_MS);
        const check = () => {
          const m = look();
          if (!m) return;
          clearTimeout(timer);
          changeWaiters.delete(check);
          resolve(m);
        };
        changeWaiters.add(check);
      });
    },
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    refuseDeletes(refuse) {
      deletesRefused = refuse;
    },
    async close() {
      for (const wake of [...pollers]) wake();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
const apiError = (code: number, description: string) => new ApiError(code, description);

/** What a Telegram client shows of an HTML message. */
function plain(html: string): string {
  return html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

function buttonsOf(markup: unknown): Button[][] {
  const kb = (markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard;
  return Array.isArray(kb) ? kb.map((row) => row.map((b) => ({ text: b.text, callback_data: b.callback_data }))) : [];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
