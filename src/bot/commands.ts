/** The command menu (setMyCommands) and /help, in one list so they cannot drift apart. */
export const COMMANDS = [
  { command: 'webhooks', description: 'Endpoints with status; tap one for details' },
  { command: 'add', description: 'Add a webhook, step by step' },
  { command: 'test', description: 'Send a test to an endpoint' },
  { command: 'logs', description: 'Recent delivery attempts' },
  { command: 'why', description: 'Troubleshoot a webhook: /why <name>' },
  { command: 'status', description: 'Summary and failing endpoints' },
  { command: 'cancel', description: 'Stop the current /add' },
  { command: 'unlink', description: 'Unlink this chat from the account' },
  { command: 'help', description: 'What this bot does' },
] as const;

export const HELP = [
  'I run Kirisan webhooks from this chat and tell you when deliveries fail.',
  '',
  ...COMMANDS.map((c) => `/${c.command} — ${c.description}`),
].join('\n');
