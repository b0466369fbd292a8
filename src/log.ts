import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';
import { createRedactor, serializeError } from './logSafety.js';
import { currentRequestId } from './observability/requestContext.js';

export interface CreateLoggerOptions {
  /**
   * Human-readable lines (pino-pretty) instead of JSON. main asks for it when stdout is a
   * terminal outside production; it falls back to JSON where pino-pretty is not installed
   * (the production image has no dev dependencies).
   */
  pretty?: boolean;
  /** Where the lines go (tests read them); stdout by default. */
  destination?: DestinationStream;
  /** Exact values to redact from every line, whatever field or text holds them (secret settings). */
  secrets?: ReadonlyArray<string | undefined | null>;
}

/**
 * The process logger: JSON lines with ISO times, and `reqId` on every line written while a
 * request is served. Secrets never reach it: errors are written without statement text or
 * bound values, these paths are redacted wherever they appear in a logged object, and every
 * finished line is searched for secrets by shape and by value (logSafety.ts), as further lines
 * of defence behind not logging them at all.
 */
export function createLogger(level: string, opts: CreateLoggerOptions = {}): Logger {
  const redact = createRedactor(opts.secrets ?? []);
  const options: LoggerOptions = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const reqId = currentRequestId();
      return reqId ? { reqId } : {};
    },
    serializers: { err: serializeError, error: serializeError },
    hooks: { streamWrite: redact },
    redact: {
      paths: ['secret', '*.secret', 'signingKey', '*.signingKey', 'apiKey', '*.apiKey', 'headers["x-webhook-secret"]', 'headers.authorization', '*.headers.authorization', 'token', '*.token'],
      censor: '[redacted]',
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty && prettyAvailable()) return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  return pino(options);
}

/** The settings whose values are secrets: the logger redacts them by value. */
export function secretSettings(config: Config): Array<string | undefined> {
  return [
    config.platformApiKey,
    config.telegramBotToken,
    config.metrics.token,
    config.bot.mode.kind === 'webhook' ? config.bot.mode.secretToken : undefined,
    config.encryption.key,
    ...config.encryption.previousKeys,
  ];
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export type { Logger };
