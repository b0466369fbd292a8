import { pino, type Logger } from 'pino';

/**
 * The process logger. Secrets never reach it: these paths are redacted wherever they
 * appear in a logged object, as a second line of defence behind not logging them at all.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['secret', '*.secret', 'signingKey', '*.signingKey', 'apiKey', '*.apiKey', 'headers["x-webhook-secret"]', 'headers.authorization', '*.headers.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
