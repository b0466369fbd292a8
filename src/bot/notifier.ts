import { GrammyError, type Api } from 'grammy';
import { ALERT_SEND_TIMEOUT_MS, RECIPIENT_KINDS, Undeliverable, type Alert, type Notifier, type ThreadEntry } from '../core/alerts/types.js';
import { threadRole } from '../core/alerts/kinds.js';
import type { BotCore } from './core.js';
import { alertKeyboard, alertText } from './render/alert.js';

type Signal = Parameters<Api['sendMessage']>[3];
const NO_PREVIEW = { is_disabled: true } as const;

/**
 * Carries alerts to admin chats (recipient kind `chat`, address: the chat id). Needs only
 * the Bot API client, not the update loop, so any process with the token can send them.
 *
 * Alerts of one episode form a thread in the chat: later summaries reply under the firing
 * alert and take the buttons off the previous one (only the newest offers actions); the recovery edits the thread's
 * messages to "Resolved" without buttons and replies under the firing alert, so a resolved
 * alert no longer offers Retry now or Mute.
 */
export function createTelegramNotifier(api: Api, core: Pick<BotCore, 'admins'>): Notifier {
  // grammY types its signals with the abort-controller shim's AbortSignal; Node's is the same at run time.
  const signal = () => AbortSignal.timeout(ALERT_SEND_TIMEOUT_MS) as unknown as Signal;

  async function post(chatId: string, alert: Alert, underRef?: string): Promise<string> {
    const m = await api.sendMessage(
      chatId,
      alertText(alert),
      {
        parse_mode: 'HTML',
        reply_markup: alertKeyboard(alert),
        link_preview_options: NO_PREVIEW,
        ...(underRef ? { reply_parameters: { message_id: Number(underRef), allow_sending_without_reply: true } } : {}),
      },
      signal(),
    );
    return String(m.message_id);
  }

  /** An edit of a message the admins may have deleted meanwhile, or that already reads so. */
  const edit = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => {
    if (e instanceof GrammyError && /message to edit not found|message is not modified|message can't be edited/.test(e.description)) return;
    throw e;
  });
  const stripButtons = (chatId: string, entry: ThreadEntry | undefined) =>
    entry ? edit(api.editMessageReplyMarkup(chatId, Number(entry.ref), undefined, signal())) : Promise.resolve();

  async function send(alert: Alert, chatId: string, thread: readonly ThreadEntry[]): Promise<string | null> {
    const firing = thread[0]?.ref;
    switch (threadRole(alert.kind)) {
      case 'opens':
        // A thread left open (its recovery came while muted) is closed first.
        for (const entry of thread) await stripButtons(chatId, entry);
        return post(chatId, alert);
      case 'joins':
        // Only the newest message of the thread offers actions.
        await stripButtons(chatId, thread.at(-1));
        return post(chatId, alert, firing);
      case 'resolves':
        for (const entry of thread) {
          await edit(api.editMessageText(chatId, Number(entry.ref), alertText(entry.alert, alert), { parse_mode: 'HTML', link_preview_options: NO_PREVIEW }, signal()));
        }
        await post(chatId, alert, firing);
        return null;
    }
  }

  return {
    kind: RECIPIENT_KINDS.chat,
    async send(alert, recipient, thread) {
      // Only a chat that still administers the alert's account gets it (it may have been
      // unlinked, or linked to another account, since the alert was queued).
      const chat = await core.admins.accountOf(recipient.address);
      if (chat?.accountId !== alert.accountId) throw new Undeliverable('the chat is no longer an admin chat of the account');
      try {
        return await send(alert, recipient.address, thread);
      } catch (e) {
        // Blocked, kicked, or the chat is gone: Telegram will not take it later either.
        if (e instanceof GrammyError && (e.error_code === 403 || /chat not found/.test(e.description))) throw new Undeliverable(e.description, { cause: e });
        throw e;
      }
    },
  };
}
