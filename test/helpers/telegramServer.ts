import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { checkTelegramHtml, LIMITS } from './telegramLimits.js';
import { HANG_GUARD_MS } from './waits.js';

/**
 * A small Telegram Bot API server on 127.0.0.1 for tests: the bot under test talks to it
 * through its real HTTP client (`apiRoot`), receives updates by long polling, and sends,
 * edits and deletes messages here. Tests play the users: they write messages and press
 * buttons, in private chats or in groups, and read what the bot showed in each chat.
 *
 * It refuses what Telegram refuses (a text over 4,096 characters, callback data over 64
 * bytes, HTML Telegram cannot parse, a button press answered twice, …) with Telegram's own
 * error, and remembers every such refusal: `close()` fails when there was one, so every test
 * that talks to the bot also checks that each message it sent fits Telegram's limits.
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
  /** The user who wrote it (the bot's id for the bot's messages). */
  fromId: number;
  /** As the user sees it (HTML parsed away). */
  text: string;
  /** As the bot sent it. */
  html: string;
  buttons: Button[][];
  /** The bot asked the client to open a reply to this message (force_reply). */
  forceReply: { selective: boolean } | null;
  /** The message this one replies to. */
  replyTo: number | null;
  deleted: boolean;
  /** Bumped on every edit, so a test can wait for a change. */
  version: number;
}

type Update = Record<string, unknown> & { update_id: number };
type Payload = Record<string, unknown>;
type ApiFailure = { error_code: number; description: string; parameters?: { retry_after?: number } };

export interface GroupOptions {
  title?: string;
  /**
   * Telegram's default for bots: in a group the bot receives only commands, replies to its
   * own messages and mentions. Off when the bot is a group admin or privacy was turned off.
   */
  privacy: boolean;
}

export interface SendOptions {
  /** Who writes (a group member); in a private chat, the chat's own user. */
  from?: number;
  /** Replies to this message. Without it, the client replies by itself to a force_reply prompt meant for this user. */
  replyTo?: number;
}

export interface FakeTelegram {
  apiRoot: string;
  /** Declares a group chat (negative id) and whether the bot runs in privacy mode there. */
  group(chatId: number, opts: GroupOptions): void;
  /** A user writes in a chat. Returns the message id (also when privacy mode keeps it from the bot). */
  send(chatId: number, text: string, opts?: SendOptions): number;
  /** A user presses an inline button of a bot message. */
  press(message: ChatMessage, text: string | RegExp, opts?: { from?: number }): void;
  /** A user presses a button with made-up callback data (a forged or stale button). */
  pressData(chatId: number, messageId: number, data: string, opts?: { from?: number }): void;
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
  /** Calls Telegram would refuse for breaking its limits (each also answered with Telegram's error). */
  refusals: Array<{ method: string; description: string }>;
  /** Makes the next call of `method` fail, as Telegram does under load or on flood control. */
  failNext(method: string, error: ApiFailure): void;
  /** Refuses deleteMessage (as in a group where the bot is not admin). */
  refuseDeletes(refuse: boolean): void;
  /** Stops the server; fails when Telegram would have refused any call the bot made. */
  close(): Promise<void>;
}

/** `port`: a fixed port (a test that starts Telegram after the gateway); 0 = any free one. */
export async function startFakeTelegram(opts: { port?: number } = {}): Promise<FakeTelegram> {
  const chats = new Map<number, ChatMessage[]>();
  const groups = new Map<number, GroupOptions>();
  const queue: Update[] = [];
  const pollers = new Set<() => void>();
  const failures = new Map<string, ApiFailure[]>();
  const answers: FakeTelegram['answers'] = [];
  const calls: FakeTelegram['calls'] = [];
  const refusals: FakeTelegram['refusals'] = [];
  const answered = new Set<string>();
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
  const user = (id: number) => ({ id, is_bot: false, first_name: `Admin ${id}` });
  const telegramChat = (chatId: number) => {
    const g = groups.get(chatId);
    return g ? { id: chatId, type: 'supergroup', title: g.title ?? `Group ${chatId}` } : { id: chatId, type: 'private', first_name: `Admin ${chatId}` };
  };

  function push(update: Omit<Update, 'update_id'>) {
    queue.push({ update_id: updateId++, ...update });
    for (const wake of [...pollers]) wake();
  }

  function addMessage(chatId: number, from: number, text: string, p: Payload = {}): ChatMessage {
    const list = chat(chatId);
    const fromBot = from === BOT_USER.id;
    const markup = p.reply_markup as { force_reply?: boolean; selective?: boolean } | undefined;
    const m: ChatMessage = {
      chatId,
      messageId: list.length + 1,
      fromBot,
      fromId: from,
      text: p.parse_mode === 'HTML' ? plain(text) : text,
      html: text,
      buttons: buttonsOf(p.reply_markup),
      forceReply: markup?.force_reply ? { selective: markup.selective === true } : null,
      replyTo: replyTarget(p),
      deleted: false,
      version: 1,
    };
    list.push(m);
    changed();
    return m;
  }

  function messageJson(m: ChatMessage, depth = 0): Record<string, unknown> {
    const replied = m.replyTo !== null && depth === 0 ? chat(m.chatId).find((x) => x.messageId === m.replyTo) : undefined;
    return {
      message_id: m.messageId,
      date: Math.floor(Date.now() / 1000),
      chat: telegramChat(m.chatId),
      from: m.fromBot ? BOT_USER : user(m.fromId),
      text: m.text,
      ...(m.buttons.length ? { reply_markup: { inline_keyboard: m.buttons } } : {}),
      ...(replied ? { reply_to_message: messageJson(replied, 1) } : {}),
    };
  }

  function find(payload: Payload): ChatMessage | undefined {
    return chat(Number(payload.chat_id)).find((m) => m.messageId === Number(payload.message_id) && !m.deleted);
  }

  /** Telegram's checks of a message's text and markup; the first problem, or null. */
  function messageProblem(p: Payload): string | null {
    const text = String(p.text ?? '');
    if (p.parse_mode === 'HTML') {
      const bad = checkTelegramHtml(text);
      if (bad) return `Bad Request: can't parse entities: ${bad}`;
    }
    const shown = p.parse_mode === 'HTML' ? plain(text) : text;
    if (!shown.trim()) return 'Bad Request: message text is empty';
    if (shown.length > LIMITS.messageText) return 'Bad Request: message is too long';
    const markup = p.reply_markup as { inline_keyboard?: unknown; force_reply?: unknown } | undefined;
    if (markup?.inline_keyboard !== undefined && markup.force_reply !== undefined) return 'Bad Request: a reply markup is either an inline keyboard or force_reply';
    const rows = buttonsOf(markup);
    if (rows.flat().length > LIMITS.buttons) return 'Bad Request: reply markup is too long';
    for (const row of rows) {
      if (row.length > LIMITS.buttonsPerRow) return 'Bad Request: too many buttons in a row';
      for (const b of row) {
        if (!b.text) return 'Bad Request: text buttons are unallowed in the inline keyboard';
        if (b.callback_data === undefined || Buffer.byteLength(b.callback_data) < 1 || Buffer.byteLength(b.callback_data) > LIMITS.callbackData) return 'Bad Request: BUTTON_DATA_INVALID';
      }
    }
    return null;
  }

  const refuse = (method: string, description: string): never => {
    refusals.push({ method, description });
    throw apiError(400, description);
  };

  const methods: Record<string, (p: Payload, res: ServerResponse) => unknown | Promise<unknown>> = {
    getMe: () => BOT_USER,
    deleteWebhook: () => true,
    setWebhook: () => true,
    setMyCommands: (p) => {
      for (const c of (p.commands as Array<{ command: string; description: string }>) ?? []) {
        if (!/^[a-z0-9_]{1,32}$/.test(c.command) || !c.description || c.description.length > LIMITS.commandDescription) refuse('setMyCommands', 'Bad Request: BOT_COMMAND_INVALID');
      }
      return true;
    },
    setMyDescription: (p) => (String(p.description ?? '').length > LIMITS.description ? refuse('setMyDescription', 'Bad Request: description is too long') : true),
    setMyShortDescription: (p) => (String(p.short_description ?? '').length > LIMITS.shortDescription ? refuse('setMyShortDescription', 'Bad Request: short description is too long') : true),
    sendMessage: (p) => {
      const problem = messageProblem(p);
      if (problem) refuse('sendMessage', problem);
      return messageJson(addMessage(Number(p.chat_id), BOT_USER.id, String(p.text), p));
    },
    editMessageText: (p) => {
      const problem = messageProblem(p);
      if (problem) refuse('editMessageText', problem);
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
      const id = String(p.callback_query_id);
      // A press can be answered once; Telegram refuses the second answer.
      if (answered.has(id)) refuse('answerCallbackQuery', 'Bad Request: query is too old and response timeout expired or query ID is invalid');
      if (typeof p.text === 'string' && p.text.length > LIMITS.callbackAnswer) refuse('answerCallbackQuery', 'Bad Request: MESSAGE_TOO_LONG');
      answered.add(id);
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
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /**
   * What a Telegram client does with force_reply: it opens a reply to the newest prompt meant
   * for this user (selective: the one whose message it replies to, or who is mentioned).
   */
  const promptFor = (chatId: number, from: number) =>
    [...chat(chatId)].reverse().find((m) => m.fromBot && !m.deleted && m.forceReply && (!m.forceReply.selective || !groups.has(chatId) || aimedAt(chatId, m) === from));
  const aimedAt = (chatId: number, m: ChatMessage) => chat(chatId).find((x) => x.messageId === m.replyTo)?.fromId ?? Number(/tg:\/\/user\?id=(\d+)/.exec(m.html)?.[1]);

  /** Privacy mode: the bot gets commands, replies to its own messages and mentions only. */
  function reachesBot(chatId: number, m: ChatMessage): boolean {
    const g = groups.get(chatId);
    if (!g?.privacy) return true;
    const repliedTo = m.replyTo === null ? undefined : chat(chatId).find((x) => x.messageId === m.replyTo);
    return m.text.startsWith('/') || repliedTo?.fromBot === true || m.text.includes(`@${BOT_USER.username}`);
  }

  const api: FakeTelegram = {
    apiRoot: `http://127.0.0.1:${port}`,
    answers,
    calls,
    refusals,
    group(chatId, opts) {
      groups.set(chatId, opts);
    },
    send(chatId, text, opts = {}) {
      const from = opts.from ?? chatId;
      const replyTo = opts.replyTo ?? (text.startsWith('/') ? undefined : promptFor(chatId, from)?.messageId);
      const m = addMessage(chatId, from, text, replyTo ? { reply_parameters: { message_id: replyTo } } : {});
      if (!reachesBot(chatId, m)) return m.messageId;
      const command = /^\/\w+(@\w+)?/.exec(text);
      push({
        message: {
          ...messageJson(m),
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      });
      return m.messageId;
    },
    press(message, text, opts) {
      const button = message.buttons.flat().find((b) => (typeof text === 'string' ? b.text.includes(text) : text.test(b.text)));
      if (!button?.callback_data) throw new Error(`no button ${String(text)} on message ${message.messageId}: ${JSON.stringify(message.buttons.map((r) => r.map((b) => b.text)))}`);
      api.pressData(message.chatId, message.messageId, button.callback_data, opts);
    },
    pressData(chatId, messageId, data, opts = {}) {
      const m = chat(chatId).find((x) => x.messageId === messageId);
      push({
        callback_query: {
          id: String(callbackId++),
          from: user(opts.from ?? chatId),
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
      if (refusals.length) throw new Error(`Telegram would have refused ${refusals.length} call(s) the bot made:\n${refusals.map((r) => `${r.method}: ${r.description}`).join('\n')}`);
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
export function plain(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

function replyTarget(p: Payload): number | null {
  const params = p.reply_parameters as { message_id?: number } | undefined;
  const id = params?.message_id ?? p.reply_to_message_id;
  return typeof id === 'number' ? id : null;
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
