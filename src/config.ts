import { z } from 'zod';

/**
 * Every setting comes from the environment, parsed once at start. A bad value stops the
 * process with a message naming the variable and the fix; nothing reads process.env later.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'use true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ms = (fallback: number) => z.coerce.number({ message: 'use a whole number of milliseconds' }).int().positive().default(fallback);

const durationList = z
  .string()
  .regex(/^\s*(none|\d+(ms|s|m|h)?(\s*,\s*\d+(ms|s|m|h)?)*)\s*$/, 'use a comma-separated list such as 5s,5m,30m,2h, or none')
  .transform((v) => (v.trim() === 'none' ? [] : v.split(',').map((part) => parseDuration(part.trim()))));

const ROLES = ['api', 'workers', 'bot'] as const;
export type Role = (typeof ROLES)[number];

const schema = z.object({
  PORT: z.coerce.number({ message: 'use a TCP port number' }).int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url({ message: 'use a postgres:// connection string, or leave it unset for the embedded database' }).optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  PLATFORM_API_KEY: z.string().min(16, 'use at least 16 characters').optional(),
  ALLOW_PRIVATE_TARGETS: bool.default(false),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]{20,}$/, 'use the token @BotFather gave you (digits:letters)').optional(),
  ROLES: z
    .string()
    .default('api,workers,bot')
    .transform((v) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .pipe(z.array(z.enum(ROLES, { message: `use a comma-separated subset of ${ROLES.join(', ')}` })).min(1)),
  DELIVERY_TIMEOUT_MS: ms(30_000),
  TEST_TIMEOUT_MS: ms(45_000),
  RETRY_SCHEDULE: durationList.prefault('5s,5m,30m,2h,5h,10h'),
  RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(4096).default(128),
  WORKER_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(16),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  WORKER_POLL_MS: ms(1_000),
  LEASE_MARGIN_MS: ms(15_000),
  RESPONSE_BODY_LIMIT: z.coerce.number().int().min(0).max(65_536).default(4096),
  ATTEMPT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

export type Env = z.input<typeof schema>;

export interface Config {
  port: number;
  host: string;
  /** Unset: the gateway starts its own embedded PostgreSQL under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  platformApiKey?: string;
  allowPrivateTargets: boolean;
  telegramBotToken?: string;
  roles: Role[];
  delivery: {
    /** Live POST timeout, ms. @default 30_000 */
    timeoutMs: number;
    /** Send test timeout, ms. @default 45_000 */
    testTimeoutMs: number;
    /** Delay before each retry, ms; its length is the number of retries. */
    retryScheduleMs: number[];
    /** Each delay is spread by ± this fraction so that failures do not retry in lockstep. */
    retryJitter: number;
    /** Most POSTs one process has in flight. */
    concurrency: number;
    /** Most POSTs in flight to one endpoint, so one slow endpoint cannot take every slot. */
    endpointConcurrency: number;
    /** Most deliveries one claim statement takes. */
    batchSize: number;
    /** Fallback poll when no NOTIFY arrives (missed or from an older process). */
    pollMs: number;
    /** Lease = timeout + margin: a claimed delivery not finished by then is claimed again. */
    leaseMarginMs: number;
    /** Bytes of the receiver's response body kept in the attempt log. @default 4096 */
    responseBodyLimit: number;
  };
  attemptRetentionDays: number;
  logLevel: string;
  production: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in .env files mean "unset", as docker-compose writes them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    platformApiKey: e.PLATFORM_API_KEY,
    allowPrivateTargets: e.ALLOW_PRIVATE_TARGETS,
    telegramBotToken: e.TELEGRAM_BOT_TOKEN,
    roles: e.ROLES,
    delivery: {
      timeoutMs: e.DELIVERY_TIMEOUT_MS,
      testTimeoutMs: e.TEST_TIMEOUT_MS,
      retryScheduleMs: e.RETRY_SCHEDULE,
      retryJitter: e.RETRY_JITTER,
      concurrency: e.WORKER_CONCURRENCY,
      endpointConcurrency: e.WORKER_ENDPOINT_CONCURRENCY,
      batchSize: e.WORKER_BATCH_SIZE,
      pollMs: e.WORKER_POLL_MS,
      leaseMarginMs: e.LEASE_MARGIN_MS,
      responseBodyLimit: e.RESPONSE_BODY_LIMIT,
    },
    attemptRetentionDays: e.ATTEMPT_RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
  };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "5s" → 5000; a bare number is seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new ConfigError(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS];
}
