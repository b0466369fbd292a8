/** The command menu (setMyCommands) and /help, in one list so they cannot drift apart. */
export const COMMANDS = [
  { command: 'webhooks', description: 'Webhooks with status; /webhooks <words> searches' },
  { command: 'add', description: 'Add a webhook, step by step' },
  { command: 'headers', description: 'Custom headers of a webhook: /headers <name>, then Name: value lines' },
  { command: 'ratelimit', description: 'Deliveries per second: /ratelimit <name> <n|off>' },
  { command: 'rotatekey', description: 'New signing key, old one kept for an overlap: /rotatekey <name>' },
  { command: 'test', description: 'Send a test to an endpoint' },
  { command: 'logs', description: 'Recent deliveries: by status, webhook, channel, device, event' },
  { command: 'why', description: 'Troubleshoot a webhook: /why <name>' },
  { command: 'status', description: 'Summary and failing endpoints' },
  { command: 'cancel', description: 'Stop the form you are filling in' },
  { command: 'unlink', description: 'Unlink this chat from the account' },
  { command: 'help', description: 'What this bot does' },
] as const;

export const HELP = [
  'I run Kirisan webhooks from this chat and tell you when deliveries fail.',
  '',
  ...COMMANDS.map((c) => `/${c.command} — ${c.description}`),
].join('\n');

/** setMyDescription: what an admin reads in an empty chat, before /start (at most 512 characters). */
export const DESCRIPTION = [
  'Kirisan webhooks from Telegram: add and edit webhooks, send tests, read delivery logs, find out why events do not arrive, and get failure alerts with Retry and Mute.',
  '',
  'To start, create a link code for your account (API: createChatLinkCode, or npm run link-code on the server) and open its link, or send /start <code>. In a group, add me and send /start <code> there.',
].join('\n');

/** setMyShortDescription: the bot's profile and shared links (at most 120 characters). */
export const SHORT_DESCRIPTION = 'Kirisan webhook admin: tests, logs, troubleshooting and failure alerts.';
