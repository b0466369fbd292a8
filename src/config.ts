import { z } from 'zod';
import { DEFAULT_PORTS, parseAllowedTargets, parsePorts, type TargetRules } from './core/security/targetPolicy.js';
import { parseKey } from './core/security/vault.js';

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
  .regex(/^\s*(none|\d+(ms|s|m|h|d)?(\s*,\s*\d+(ms|s|m|h|d)?)*)\s*$/, 'use a comma-separated list such as 5s,5m,30m,2h, or none')
  .transform((v) => (v.trim() === 'none' ? [] : v.split(',').map((part) => parseDuration(part.trim()))));

const parses = (f: (v: string) => unknown) => (v: string) => {
  try {
    f(v);
    return true;
  } catch {
    return false;
  }
};

const KEY_HELP = 'use 32 random bytes as base64 (openssl rand -base64 32) or 64 hex digits';
const isKey = parses(parseKey);

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
  ALLOWED_PRIVATE_TARGETS: z
    .string()
    .default('')
    .refine(parses(parseAllowedTargets), 'use a comma-separated list of CIDRs, addresses and host names, e.g. 10.1.2.0/24,hooks.internal')
    .transform(parseAllowedTargets),
  ALLOW_HTTP_TARGETS: bool.optional(),
  TARGET_PORTS: z.string().refine(parses(parsePorts), 'use a comma-separated list of ports and ranges, e.g. 443,8443,1024-65535').optional(),
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
  SIGNING_KEY_OVERLAP: durationList.prefault('24h').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 24h')),
  RETRY_AFTER_MAX: durationList.prefault('1h').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 1h')),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(4096).default(128),
  WORKER_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(16),
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  WORKER_POLL_MS: ms(1_000),
  LEASE_MARGIN_MS: ms(15_000),
  QUEUE_VACUUM_AFTER: z.coerce.number({ message: 'use a whole number of row versions (0 = leave it to autovacuum)' }).int().min(0).default(2000),
  QUEUE_VACUUM_INTERVAL_MS: ms(1_000),
  RESPONSE_BODY_LIMIT: z.coerce.number().int().min(0).max(65_536).default(4096),
  ATTEMPT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  GRAPHQL_INTROSPECTION: bool.optional(),
  GRAPHQL_EXPLORER: z.enum(['altair', 'sandbox', 'off'], { message: 'use altair (offline explorer), sandbox (Apollo Sandbox, loaded from the internet) or off' }).optional(),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean))
    .pipe(z.array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s]+$/, 'use a comma-separated list of origins such as https://app.example.com, or *')]))),
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number({ message: 'use a TCP port number' }).int().min(0).max(65535).optional(),
  METRICS_ACCOUNT_LABELS: bool.default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url({ message: 'use the OTLP/HTTP collector address, e.g. http://localhost:4318' }).optional(),
  OTEL_SERVICE_NAME: z.string().default('kirisan-webhook-gateway'),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).default(5000),
  TELEGRAM_API_ROOT: z.string().url({ message: 'use the Bot API server address, e.g. https://api.telegram.org' }).default('https://api.telegram.org'),
  TELEGRAM_CONNECT_TIMEOUT_MS: ms(10_000),
  TELEGRAM_BOT_MODE: z.enum(['polling', 'webhook'], { message: 'use polling or webhook' }).default('polling'),
  TELEGRAM_WEBHOOK_URL: z.string().url({ message: 'use the public https:// address Telegram should post updates to' }).optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'use 16 to 256 letters, digits, _ or -').optional(),
  TELEGRAM_WEBHOOK_PORT: z.coerce.number({ message: 'use a TCP port number' }).int().min(0).max(65535).default(8443),
  LINK_CODE_TTL: durationList.prefault('15m').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 15m')),
  ALERT_WINDOW: durationList.prefault('10m').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 10m')),
  ALERT_THRESHOLD: z.coerce.number({ message: 'use a whole number of failures' }).int().min(1).max(1000).default(1),
  DISABLE_FAILING_AFTER: durationList.prefault('5d').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 5d')),
  DISABLE_FAILING_MIN_ATTEMPTS: z.coerce.number({ message: 'use a whole number of failed attempts' }).int().min(1).max(1_000_000).default(10),
  SHUTDOWN_GRACE_MS: ms(10_000),
  MIGRATE_ON_START: bool.default(true),
  DB_POOL_MAX: z.coerce.number().int().min(2).max(500).default(20),
  DB_ORM_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5),
  DB_CONNECT_TIMEOUT_MS: ms(2_000),
  DB_STATEMENT_TIMEOUT_MS: ms(3_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: ms(10_000),
  EVENT_DATA_MAX_BYTES: z.coerce.number({ message: 'use a number of bytes' }).int().min(1024).max(4_194_304).default(262_144),
  EVENT_DATA_MAX_DEPTH: z.coerce.number({ message: 'use a whole number of levels' }).int().min(2).max(256).default(32),
  IDEMPOTENCY_WINDOW: durationList.prefault('24h').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 24h')),
  AUTH_FAILURE_LIMIT: z.coerce.number({ message: 'use a whole number of failures (0 = no limit)' }).int().min(0).default(20),
  AUTH_FAILURE_WINDOW: durationList.prefault('1m').pipe(z.array(z.number().positive()).length(1, 'use one duration, such as 1m')),
  TRUST_PROXY: bool.default(false),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(15),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(100_000).default(2000),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(10),
  GRAPHQL_QUERY_BODY_LIMIT: z.coerce.number({ message: 'use a number of bytes' }).int().min(1024).max(16_777_216).default(65_536),
  GRAPHQL_MUTATION_BODY_LIMIT: z.coerce.number({ message: 'use a number of bytes' }).int().min(1024).max(16_777_216).default(1_048_576),
  ENCRYPTION_KEY: z.string().refine(isKey, KEY_HELP).optional(),
  ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isKey, `each of them: ${KEY_HELP}`))),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

export type Env = z.input<typeof schema>;

/**
 * How Telegram updates reach the bot. Long polling needs nothing but must run in one process
 * only; webhook mode lets any number of processes serve updates behind one public URL.
 */
export type BotMode =
  | { kind: 'polling' }
  | {
      kind: 'webhook';
      /** Public https:// URL Telegram posts to (set with setWebhook on start). */
      url: string;
      /** Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token; other requests are refused. */
      secretToken: string;
      /** Port of the bot's own HTTP listener (on HOST); the URL's path is served. */
      port: number;
    };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The gateway's settings, derived from the environment schema: one setting is one schema
 * line and one line below (plus its row in .env.example and the README).
 */
export type Config = ReturnType<typeof toConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in .env files mean "unset", as docker-compose writes them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
  }
  return toConfig(parsed.data);
}

function toConfig(e: z.output<typeof schema>) {
  return {
    port: e.PORT,
    host: e.HOST,
    /** Unset: the gateway starts its own embedded PostgreSQL under dataDir. */
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    /** 0 = any free port. */
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    platformApiKey: e.PLATFORM_API_KEY,
    allowPrivateTargets: e.ALLOW_PRIVATE_TARGETS,
    /** What webhook URLs may use (core/security/targetPolicy.ts): https only in production, no database ports, private networks allowed by name. */
    targets: targetRules(e),
    telegramBotToken: e.TELEGRAM_BOT_TOKEN,
    roles: e.ROLES,
    /** How this process starts and stops. */
    lifecycle: {
      /** On SIGTERM/SIGINT, how long in-flight POSTs may take to finish before they are cut off, ms. @default 10_000 */
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      /** Apply pending migrations at start (under an advisory lock); false for deploys that run `npm run migrate` first. @default true */
      migrateOnStart: e.MIGRATE_ON_START,
    },
    /** Connections and timeouts of every pool, so that a database that is down or frozen costs a fast error, never a hang. */
    database: {
      /** Connections of the hot path's pool (claims, records, publishes, log queries). @default 20 */
      poolMax: e.DB_POOL_MAX,
      /** Connections of the registry's ORM pool. @default 5 */
      ormPoolMax: e.DB_ORM_POOL_MAX,
      /** Waiting for a connection (new or from a full pool), ms. @default 2_000 */
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      /** Longest statement; the server cancels it, and the client gives up a second later if the server is frozen. ms. @default 3_000 */
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      /** A transaction left idle this long is ended by the server (its locks released), ms. @default 10_000 */
      idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    delivery: {
      /** Live POST timeout, ms. @default 30_000 */
      timeoutMs: e.DELIVERY_TIMEOUT_MS,
      /** Send test timeout, ms. @default 45_000 */
      testTimeoutMs: e.TEST_TIMEOUT_MS,
      /** Delay before each retry, ms; its length is the number of retries. */
      retryScheduleMs: e.RETRY_SCHEDULE,
      /** Each delay is spread by ± this fraction so that failures do not retry in lockstep. */
      retryJitter: e.RETRY_JITTER,
      /**
       * Longest wait a receiver's Retry-After (429 or 503) can ask for: the endpoint's next
       * POST waits until then, capped here. ms. @default 1 h
       */
      retryAfterMaxMs: e.RETRY_AFTER_MAX[0]!,
      /** After a signing-key rotation, how long the old key still signs next to the new one, ms. @default 24 h */
      signingKeyOverlapMs: e.SIGNING_KEY_OVERLAP[0]!,
      /** Most POSTs one process has in flight. */
      concurrency: e.WORKER_CONCURRENCY,
      /** Most POSTs in flight to one endpoint, so one slow endpoint cannot take every slot. */
      endpointConcurrency: e.WORKER_ENDPOINT_CONCURRENCY,
      /** Most deliveries one claim statement takes. */
      batchSize: e.WORKER_BATCH_SIZE,
      /** Fallback poll when no NOTIFY arrives (missed or from an older process). */
      pollMs: e.WORKER_POLL_MS,
      /** Lease = timeout + margin: a claimed delivery not finished by then is claimed again. */
      leaseMarginMs: e.LEASE_MARGIN_MS,
      /** Bytes of the receiver's response body kept in the attempt log. @default 4096 */
      responseBodyLimit: e.RESPONSE_BODY_LIMIT,
    },
    /** The workers' own vacuum of the delivery queue (core/dispatch/queueVacuum.ts). */
    queueVacuum: {
      /** Dead row versions of the queue this process leaves before it vacuums; 0 = autovacuum alone. @default 2_000 */
      afterRows: e.QUEUE_VACUUM_AFTER,
      /** Least time between two of its vacuums, ms. @default 1_000 */
      minIntervalMs: e.QUEUE_VACUUM_INTERVAL_MS,
    },
    attemptRetentionDays: e.ATTEMPT_RETENTION_DAYS,
    /**
     * Secrets at rest (core/security/vault.ts): the key sealing webhook secrets and signing keys,
     * and previous keys that still open values sealed before a rotation. Without a key, the
     * embedded database gets one generated in DATA_DIR; an external one stores them as given.
     */
    encryption: { key: e.ENCRYPTION_KEY, previousKeys: e.ENCRYPTION_PREVIOUS_KEYS },
    /** What a publisher may send (core/dispatch/publish.ts). */
    publishing: {
      /** Most bytes of one event's data, as JSON. @default 262_144 */
      maxBytes: e.EVENT_DATA_MAX_BYTES,
      /** Deepest nesting of objects and arrays in one event's data. @default 32 */
      maxDepth: e.EVENT_DATA_MAX_DEPTH,
      /** How long an idempotency key is remembered per account, ms. @default 86_400_000 */
      idempotencyWindowMs: e.IDEMPOTENCY_WINDOW[0]!,
    },
    /** Failed authentications per client address (core/security/authLimiter.ts). */
    auth: {
      /** Failures allowed per address within the window before it is answered 429; 0 = no limit. @default 20 */
      failureLimit: e.AUTH_FAILURE_LIMIT,
      /** ms. @default 60_000 */
      failureWindowMs: e.AUTH_FAILURE_WINDOW[0]!,
      /** Behind a reverse proxy: the client is the last address of X-Forwarded-For, not the socket's peer. */
      trustProxy: e.TRUST_PROXY,
    },
    graphql: {
      /** Schema introspection; on unless NODE_ENV=production. */
      introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
      /**
       * The page a browser gets at GET /graphql: Altair served from this process (works
       * offline), Apollo Sandbox (loaded from Apollo's CDN), or none. altair unless NODE_ENV=production.
       */
      explorer: e.GRAPHQL_EXPLORER ?? (e.NODE_ENV === 'production' ? 'off' : 'altair'),
      /** Origins whose browser clients may call the API (CORS); '*' = any. None by default. */
      corsOrigins: e.CORS_ORIGINS,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      /** Cost limit of one operation: one per field, lists multiplied by their page size, root fields more (see graphql/limits.ts). */
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      /** Aliased fields per operation. @default 15 */
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      /** Lexical tokens per document: bounds parsing itself. @default 2000 */
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      /** Directives per operation. @default 10 */
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      /** Request body bytes of a query (or subscription), and of a mutation (which carries event data). */
      bodyLimit: { query: e.GRAPHQL_QUERY_BODY_LIMIT, mutation: e.GRAPHQL_MUTATION_BODY_LIMIT },
    },
    /** The Telegram admin bot (on when telegramBotToken is set). */
    bot: {
      /** Bot API server; tests point it at a fake one on loopback. @default https://api.telegram.org */
      apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
      mode: botMode(e),
      /** Each try of the first contact with Telegram at start; the bot keeps trying with backoff meanwhile. ms. @default 10_000 */
      connectTimeoutMs: e.TELEGRAM_CONNECT_TIMEOUT_MS,
    },
    /** Admin chats and other alert recipients (core/registry/adminChats). */
    admins: {
      /** How long a chat link code stays valid, ms. @default 900_000 */
      linkCodeTtlMs: e.LINK_CODE_TTL[0]!,
    },
    /** The alert policy (core/alerts). */
    alerts: {
      /** At most one failure message per endpoint per window; later failures are grouped. ms. @default 600_000 */
      windowMs: e.ALERT_WINDOW[0]!,
      /** Failures in a row that open an alert. @default 1 */
      threshold: e.ALERT_THRESHOLD,
    },
    /** When an endpoint that keeps failing is disabled (reason `failing`): both must hold. */
    disableFailing: {
      /** Every live attempt failed for this long, ms. @default 5 days */
      afterMs: e.DISABLE_FAILING_AFTER[0]!,
      /** With at least this many failed attempts. @default 10 */
      minFailures: e.DISABLE_FAILING_MIN_ATTEMPTS,
    },
    /** Prometheus metrics at /metrics. */
    metrics: {
      /** When set, a scrape must send `Authorization: Bearer <token>`. */
      token: e.METRICS_TOKEN,
      /** When set, /metrics is served on this port (on HOST) instead of the API's. */
      port: e.METRICS_PORT,
      /** Label attempt and publish counters with the account id (cardinality grows with accounts). */
      accountLabels: e.METRICS_ACCOUNT_LABELS,
    },
    /** OpenTelemetry traces, exported over OTLP/HTTP; off unless the endpoint is set. */
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, ''), serviceName: e.OTEL_SERVICE_NAME },
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
  };
}

/**
 * Production: https only unless ALLOW_HTTP_TARGETS, and the default ports (with 80 when http
 * is allowed). Development: http and any port, unless TARGET_PORTS says otherwise.
 */
function targetRules(e: z.output<typeof schema>): TargetRules {
  const production = e.NODE_ENV === 'production';
  const allowHttp = e.ALLOW_HTTP_TARGETS ?? !production;
  const ports = e.TARGET_PORTS ?? (!production ? null : allowHttp ? `80,${DEFAULT_PORTS}` : DEFAULT_PORTS);
  return { allowHttp, ports: ports === null ? null : parsePorts(ports), allowed: e.ALLOWED_PRIVATE_TARGETS };
}

/** Webhook mode needs its URL and secret; named here because the schema checks fields one by one. */
function botMode(e: z.output<typeof schema>): BotMode {
  if (e.TELEGRAM_BOT_MODE === 'polling') return { kind: 'polling' };
  const missing = [
    !e.TELEGRAM_WEBHOOK_URL?.startsWith('https://') && '  TELEGRAM_WEBHOOK_URL: webhook mode needs the public https:// address Telegram posts updates to',
    !e.TELEGRAM_WEBHOOK_SECRET && '  TELEGRAM_WEBHOOK_SECRET: webhook mode needs a secret token (16 to 256 letters, digits, _ or -)',
  ].filter(Boolean);
  if (missing.length) throw new ConfigError(`Invalid configuration (see .env.example):\n${missing.join('\n')}`);
  return { kind: 'webhook', url: e.TELEGRAM_WEBHOOK_URL!, secretToken: e.TELEGRAM_WEBHOOK_SECRET!, port: e.TELEGRAM_WEBHOOK_PORT };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "5s" → 5000; a bare number is seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text);
  if (!m) throw new ConfigError(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS];
}
