import { GrammyError, type Api } from 'grammy';
import type { Alert, Notifier } from '../core/alerts/types.js';
import type { BotCore } from './core.js';
import type { Logger } from '../log.js';
import { alertKeyboard, alertText } from './render/alert.js';

/**
 * Carries alerts to every admin chat of the account. Needs only the Bot API client, not the
 * update loop, so every process that runs delivery workers can send the alerts it decides.
 * A chat that cannot be reached is logged and skipped; the others still get the alert.
 */
export function createTelegramNotifier(api: Api, core: Pick<BotCore, 'admins'>, log: Logger): Notifier {
  return {
    async notify(alert: Alert) {
      const chats = await core.admins.chats(alert.accountId);
      const text = alertText(alert);
      const keyboard = alertKeyboard(alert);
      await Promise.all(
        chats.map((chat) =>
          api.sendMessage(chat.chatId, text, { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: { is_disabled: true } }).catch((e: unknown) => {
            log.warn({ err: e, chatId: chat.chatId, endpointId: alert.endpointId, kind: alert.kind }, e instanceof GrammyError ? 'alert not accepted by Telegram' : 'alert could not be sent');
          }),
        ),
      );
    },
  };
}
