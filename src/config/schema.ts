import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { databaseUrlProblem } from './database-url.js';
import { parseByteSize, parseDurationMs, parseListenAddress } from './units.js';

/**
 * Every setting the server reads, by its environment variable name (the Go original's names),
 * with its default and what it accepts. Values arrive as strings from flags, the environment or
 * the `.env` file; an empty string counts as unset.
 */

function parsed<T>(parse: (text: string) => T | undefined, accepted: string) {
  return z.string().transform((text, ctx) => {
    const value = parse(text);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `got "${text}"; accepted: ${accepted}` });
      return z.NEVER;
    }
    return value;
  });
}

function oneOf<const T extends readonly string[]>(values: T, aliases: Record<string, T[number]> = {}) {
  return parsed((text) => {
    const lower = text.trim().toLowerCase();
    return (values as readonly string[]).includes(lower) ? (lower as T[number]) : aliases[lower];
  }, values.join(', '));
}

const duration = parsed(
  (text) => {
    const ms = parseDurationMs(text);
    return ms !== undefined && ms > 0 ? ms : undefined;
  },
  'a positive duration such as 30s, 2m, 1h30m, 500ms (a bare number is seconds)',
);

const byteSize = parsed((text) => {
  const bytes = parseByteSize(text);
  return bytes !== undefined && bytes > 0 ? bytes : undefined;
}, 'a positive size in bytes such as 10485760, 10MB or 10MiB');

const byteSizeOrZero = parsed((text) => {
  const bytes = parseByteSize(text);
  return bytes !== undefined && bytes >= 0 ? bytes : undefined;
}, 'a size in bytes such as 65536, 64KiB or 0 (off)');

const positiveInt = parsed((text) => {
  const value = Number(text.trim());
  return Number.isInteger(value) && value > 0 ? value : undefined;
}, 'a positive whole number');

const workerCount = parsed((text) => {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'auto') return availableParallelism();
  const value = Number(trimmed);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}, 'a positive whole number, or auto (one per CPU core)');

const nonNegativeInt = parsed((text) => {
  const value = Number(text.trim());
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}, 'a whole number, 0 or more');

const bool = parsed((text) => {
  const lower = text.trim().toLowerCase();
  if (['1', 't', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'f', 'false', 'no', 'off'].includes(lower)) return false;
  return undefined;
}, 'true or false');

const durationOrZero = parsed(
  (text) => {
    const ms = parseDurationMs(text);
    return ms !== undefined && ms >= 0 ? ms : undefined;
  },
  'a duration such as 300s, 5m or 0 (none)',
);

const hostPort = parsed((text) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s/@]+):(\d{1,5})$/.exec(text.trim());
  return match && Number(match[2]) <= 65_535 ? text.trim() : undefined;
}, 'host:port such as localhost:6379, 10.0.0.5:6379 or [::1]:6379');

/** A Redis URL can hold a password: the error never repeats the value. */
const redisUrl = z.string().transform((text, ctx) => {
  try {
    const url = new URL(text.trim());
    if (url.protocol === 'redis:' || url.protocol === 'rediss:') return url.toString();
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'accepted: a redis:// or rediss:// URL such as redis://localhost:6379/0' });
  return z.NEVER;
});

const httpUrl = parsed((text) => {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString().replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}, 'an http:// or https:// URL such as https://api.openai.com');

// Like curl and Go, a proxy given without a scheme is an http:// one.
const proxyUrl = parsed((text) => {
  const trimmed = text.trim();
  try {
    const url = new URL(trimmed.includes('://') ? trimmed : `http://${trimmed}`);
    return url.protocol === 'http:' && url.hostname !== '' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}, 'an http:// proxy URL such as http://proxy.example:3128 (user:password@ accepted)');

/** The 32 bytes of an ENCRYPTION_KEY given as standard base64, or undefined when it is not one. */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) ? key : undefined;
}

export const ENCRYPTION_KEY_FORMAT = 'standard base64 of exactly 32 bytes, e.g. the output of `openssl rand -base64 32`';

const encryptionKey = parsed(parseEncryptionKey, ENCRYPTION_KEY_FORMAT);

/** Paths Fastify or the proxy already serve: /metrics and the admin UI cannot move onto them. */
const RESERVED_PATHS = ['/v1', '/manage', '/health', '/ready', '/live'];

/** A URL path under which the server serves something of its own: not on one it already serves. */
function servedPath(text: string): string | undefined {
  const path = text.trim().replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path) || /\/\.\.?(\/|$)/.test(path)) return undefined;
  return RESERVED_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`)) ? undefined : path;
}

/** Where the admin UI is served, e.g. /admin (no trailing slash). */
const adminPath = parsed(servedPath, 'a path such as /admin (letters, digits, . _ ~ -), not under /v1 or /manage, nor /health, /ready or /live');

const metricsPath = parsed(
  servedPath,
  'a path such as /metrics or /internal/metrics (letters, digits, . _ ~ -), not under /v1 or /manage, nor /health, /ready or /live',
);

/** Redis Streams is the event bus across processes; the name must not be empty. */
const streamKey = parsed((text) => (text.trim() === '' ? undefined : text.trim()), 'a Redis key name such as llm-proxy-events');

/**
 * Where the projects, tokens, usage and audit records live: read by the server and, on their own
 * (no MANAGEMENT_TOKEN needed), by `llm-proxy migrate` (`databaseSettingsSchema`). Pool settings
 * use the Go original's names and defaults; DATABASE_URL can hold a password and is never repeated
 * in an error.
 */
const databaseSettingsShape = {
  DATABASE_PATH: z.string().default('data/llm-proxy.db'),
  DB_DRIVER: oneOf(['sqlite', 'postgres', 'mysql'] as const, { postgresql: 'postgres', pg: 'postgres', mariadb: 'mysql' }).default('sqlite'),
  DATABASE_URL: z.string().optional(),
  DATABASE_LOCK_TIMEOUT: duration.prefault('2s'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_MAX_IDLE_CONNS: positiveInt.default(5),
  DATABASE_CONN_MAX_LIFETIME: duration.prefault('1h'),
  DATABASE_CONN_MAX_IDLE_TIME: duration.prefault('5m'),
};

type DatabaseSettingsInput = { DB_DRIVER: 'sqlite' | 'postgres' | 'mysql'; DATABASE_URL?: string | undefined };

/** DATABASE_URL must be set, and of the engine's form, with DB_DRIVER=postgres|mysql. */
function checkDatabaseUrl(settings: DatabaseSettingsInput, ctx: z.RefinementCtx): void {
  if (settings.DB_DRIVER === 'sqlite') return;
  const example = `${settings.DB_DRIVER}://user:password@host:${settings.DB_DRIVER === 'postgres' ? 5432 : 3306}/database`;
  const url = settings.DATABASE_URL?.trim() ?? '';
  const problem = url === '' ? `is required with DB_DRIVER=${settings.DB_DRIVER}: set it to ${example}` : databaseUrlProblem(settings.DB_DRIVER, url);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: problem });
}

export const databaseSettingsSchema = z.object(databaseSettingsShape).superRefine(checkDatabaseUrl);

/**
 * The keys of project API keys at rest: read by the server and, on their own, by `llm-proxy
 * migrate encrypt|rotate-key` (`encryptionSettingsSchema`). ENCRYPTION_KEY seals and opens,
 * ENCRYPTION_KEY_PREVIOUS only opens (values sealed before a rotation).
 */
const encryptionSettingsShape = {
  ENCRYPTION_KEY: encryptionKey.optional(),
  ENCRYPTION_KEY_PREVIOUS: encryptionKey.optional(),
  REQUIRE_ENCRYPTION_KEY: bool.default(false),
};

type EncryptionSettingsInput = { ENCRYPTION_KEY?: Buffer | undefined; ENCRYPTION_KEY_PREVIOUS?: Buffer | undefined; REQUIRE_ENCRYPTION_KEY: boolean };

function checkEncryptionKeys(settings: EncryptionSettingsInput, ctx: z.RefinementCtx): void {
  if (settings.REQUIRE_ENCRYPTION_KEY && settings.ENCRYPTION_KEY === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['ENCRYPTION_KEY'],
      message: 'is required because REQUIRE_ENCRYPTION_KEY=true; generate one with `openssl rand -base64 32`',
    });
  }
  if (settings.ENCRYPTION_KEY_PREVIOUS !== undefined && settings.ENCRYPTION_KEY === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['ENCRYPTION_KEY_PREVIOUS'],
      message: 'only decrypts, so it needs ENCRYPTION_KEY (the key that encrypts) beside it',
    });
  }
}

export const encryptionSettingsSchema = z.object(encryptionSettingsShape).superRefine(checkEncryptionKeys);
export type EncryptionSettings = z.output<typeof encryptionSettingsSchema>;
export type DatabaseSettings = z.output<typeof databaseSettingsSchema>;

/**
 * The event bus settings: read by the server and, on their own (no MANAGEMENT_TOKEN needed), by
 * the dispatcher (`eventSettingsSchema`). REDIS_ADDR/REDIS_DB/REDIS_PASSWORD are shared with the
 * response cache's Redis.
 */
const eventSettingsShape = {
  LLM_PROXY_EVENT_BUS: oneOf(['in-memory', 'redis-streams'] as const, { memory: 'in-memory' }).default('in-memory'),
  OBSERVABILITY_BUFFER_SIZE: positiveInt.default(1000),
  REDIS_ADDR: hostPort.prefault('localhost:6379'),
  REDIS_DB: nonNegativeInt.default(0),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_STREAM_KEY: streamKey.prefault('llm-proxy-events'),
  REDIS_CONSUMER_GROUP: streamKey.prefault('llm-proxy-dispatchers'),
  REDIS_CONSUMER_NAME: streamKey.optional(),
  REDIS_STREAM_MAX_LEN: nonNegativeInt.default(10_000),
  REDIS_STREAM_BLOCK_TIME: duration.prefault('5s'),
  REDIS_STREAM_CLAIM_TIME: duration.prefault('30s'),
  REDIS_STREAM_BATCH_SIZE: positiveInt.default(100),
  REDIS_DEAD_LETTER_STREAM_KEY: streamKey.optional(),
};

export const eventSettingsSchema = z.object(eventSettingsShape);
export type EventSettings = z.output<typeof eventSettingsSchema>;

export const settingsSchema = z
  .object({
    ...eventSettingsShape,
    LISTEN_ADDR: parsed(parseListenAddress, 'host:port such as :8080, 127.0.0.1:8080 or [::1]:8080').prefault(':8080'),
    ...databaseSettingsShape,
    MANAGEMENT_TOKEN: z.string({ error: 'is required: set it in the environment or .env, or run `llm-proxy setup`' }),
    OPENAI_API_URL: httpUrl.prefault('https://api.openai.com'),
    API_CONFIG_PATH: z.string().optional(),
    DEFAULT_API_PROVIDER: z.string().optional(),
    LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error'] as const, { warning: 'warn' }).default('info'),
    LOG_FORMAT: oneOf(['json', 'pretty'] as const, { console: 'pretty', text: 'pretty' }).default('json'),
    LOG_REQUESTS: bool.default(true),
    ...encryptionSettingsShape,
    REQUEST_TIMEOUT: duration.prefault('10m'),
    UPSTREAM_CONNECT_TIMEOUT: duration.prefault('10s'),
    UPSTREAM_RESPONSE_HEADER_TIMEOUT: duration.optional(),
    UPSTREAM_STREAM_IDLE_TIMEOUT: duration.optional(),
    UPSTREAM_MAX_CONNECTIONS: positiveInt.default(512),
    UPSTREAM_MAX_QUEUE: nonNegativeInt.default(1024),
    CLIENT_HEADER_TIMEOUT: duration.prefault('10s'),
    CLIENT_BODY_TIMEOUT: duration.prefault('30s'),
    MAX_CLIENT_CONNECTIONS: positiveInt.default(4096),
    MAX_REQUEST_SIZE: byteSize.prefault('512MiB'),
    HTTPS_PROXY: proxyUrl.optional(),
    HTTP_PROXY: proxyUrl.optional(),
    NO_PROXY: z.string().optional(),
    LLM_PROXY_TOKEN_CACHE_TTL: duration.prefault('5s'),
    // Several instances acting as one proxy: none = this process alone (default), redis = shared
    // admission counts, rate limits and token-cache invalidation through REDIS_ADDR/REDIS_DB
    LLM_PROXY_COORDINATION: oneOf(['none', 'redis'] as const).default('none'),
    LLM_PROXY_COORDINATION_KEY_PREFIX: z.string().default('llmproxy:coord:'),
    SHUTDOWN_TIMEOUT: duration.prefault('30s'),
    // Processes serving the one port (node:cluster): a number, or auto = one per CPU core
    LLM_PROXY_WORKERS: workerCount.prefault('1'),
    // Events: what each proxied call records, and where besides the bus it goes
    FILE_EVENT_LOG: z.string().optional(),
    OBSERVABILITY_MAX_REQUEST_BODY_BYTES: byteSizeOrZero.prefault('64KiB'),
    OBSERVABILITY_MAX_RESPONSE_BODY_BYTES: byteSizeOrZero.prefault('256KiB'),
    USAGE_INJECT_STREAM_OPTIONS: bool.default(true),
    // HTTP response cache
    HTTP_CACHE_ENABLED: bool.default(true),
    HTTP_CACHE_BACKEND: oneOf(['in-memory', 'redis'] as const, { memory: 'in-memory' }).default('in-memory'),
    HTTP_CACHE_MAX_BYTES: byteSize.prefault('128MiB'),
    HTTP_CACHE_MAX_OBJECT_BYTES: byteSize.prefault('1MiB'),
    HTTP_CACHE_DEFAULT_TTL: durationOrZero.prefault('300s'),
    HTTP_CACHE_STREAM_REPLAY: oneOf(['paced', 'fast'] as const).default('paced'),
    REDIS_CACHE_URL: redisUrl.optional(),
    REDIS_CACHE_KEY_PREFIX: z.string().default('llmproxy:cache:'),
    // Audit log of management actions
    AUDIT_ENABLED: bool.default(true),
    /** Unset: audit.log beside the database; set empty: no file (see EMPTY_MEANS_OFF in load-config.ts). */
    AUDIT_LOG_FILE: z.string().optional(),
    AUDIT_CREATE_DIR: bool.default(true),
    AUDIT_STORE_IN_DB: bool.default(true),
    AUDIT_TRUST_PROXY_HEADERS: bool.default(false),
    AUDIT_READS: bool.default(false),
    // Prometheus metrics
    ENABLE_METRICS: bool.default(true),
    METRICS_PATH: metricsPath.prefault('/metrics'),
    METRICS_TOKEN: z.string().optional(),
    // Admin UI served by the server itself
    ADMIN_UI_ENABLED: bool.default(true),
    ADMIN_UI_PATH: adminPath.default('/admin'),
    ADMIN_UI_SESSION_TTL: duration.prefault('12h'),
  })
  .superRefine((settings, ctx) => {
    checkDatabaseUrl(settings, ctx);
    checkEncryptionKeys(settings, ctx);
    const [admin, metrics] = [settings.ADMIN_UI_PATH, settings.METRICS_PATH];
    if (settings.ADMIN_UI_ENABLED && settings.ENABLE_METRICS && (admin === metrics || admin.startsWith(`${metrics}/`) || metrics.startsWith(`${admin}/`))) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_UI_PATH'], message: `must not overlap METRICS_PATH (${metrics})` });
    }
    if (settings.HTTP_CACHE_MAX_OBJECT_BYTES > settings.HTTP_CACHE_MAX_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_CACHE_MAX_OBJECT_BYTES'],
        message: `must not exceed HTTP_CACHE_MAX_BYTES (${settings.HTTP_CACHE_MAX_BYTES} bytes)`,
      });
    }
  });

export type SettingName = keyof z.input<typeof settingsSchema>;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];
export type Settings = z.output<typeof settingsSchema>;
