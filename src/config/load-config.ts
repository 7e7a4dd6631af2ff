import { dirname, join } from 'node:path';
import type { z } from 'zod';
import type { Config, DatabaseConfig, EncryptionKeys, EventsConfig } from './config.js';
import { readEnvFile } from './env-file.js';
import {
  SETTING_NAMES,
  databaseSettingsSchema,
  encryptionSettingsSchema,
  eventSettingsSchema,
  settingsSchema,
  type DatabaseSettings,
  type EventSettings,
  type SettingName,
} from './schema.js';

export type SettingSource = 'flag' | 'environment' | '.env file' | 'default';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** Values from command-line flags, by variable name; highest precedence. */
  readonly flags?: Partial<Record<SettingName, string | undefined>>;
  /** The process environment (only src/config reads process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Path of the `.env` file; it never overrides the environment. Default `.env`. */
  readonly envFilePath?: string;
}

export interface ResolvedSettings {
  readonly values: Partial<Record<SettingName, string>>;
  readonly sources: Partial<Record<SettingName, SettingSource>>;
  readonly envFilePath: string;
  readonly envFileFound: boolean;
}

/** Settings that tools conventionally also read in lower case (curl, Go, undici). */
const LOWER_CASE_ALIASES = new Set<SettingName>(['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']);

/** Settings for which an explicitly empty value means "off" rather than "unset, use the default". */
const EMPTY_MEANS_OFF = new Set<SettingName>(['AUDIT_LOG_FILE']);

function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** The audit file goes beside the database (data/audit.log with the default DATABASE_PATH). */
function defaultAuditLogFile(databasePath: string): string {
  const inMemory = databasePath === ':memory:' || databasePath === '';
  return inMemory ? join('data', 'audit.log') : join(dirname(databasePath), 'audit.log');
}

/** Merges flags > environment > `.env` file for every known setting (defaults come later). */
export function resolveSettings(options: LoadConfigOptions = {}): ResolvedSettings {
  const env = options.env ?? process.env;
  const envFilePath = options.envFilePath ?? '.env';
  const fileValues = readEnvFile(envFilePath);
  const values: Partial<Record<SettingName, string>> = {};
  const sources: Partial<Record<SettingName, SettingSource>> = {};
  for (const name of SETTING_NAMES) {
    const alias = LOWER_CASE_ALIASES.has(name) ? env[name.toLowerCase()] : undefined;
    const layers: [string | undefined, SettingSource][] = [
      [options.flags?.[name], 'flag'],
      [env[name], 'environment'],
      [alias, 'environment'],
      [fileValues?.[name], '.env file'],
    ];
    const isSet = EMPTY_MEANS_OFF.has(name) ? (value: string | undefined) => value !== undefined : present;
    const found = layers.find(([value]) => isSet(value));
    if (found) {
      values[name] = found[0];
      sources[name] = found[1];
    }
  }
  return { values, sources, envFilePath, envFileFound: fileValues !== undefined };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Parses resolved settings with a schema; a bad value throws ConfigError naming it and where it came from. */
function validate<T extends z.ZodType>(schema: T, resolved: ResolvedSettings): z.output<T> {
  const result = schema.safeParse(resolved.values);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'configuration') as SettingName;
    const source = resolved.sources[name];
    return `  ${name}${source ? ` (from ${source === '.env file' ? resolved.envFilePath : source})` : ''}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

function eventsConfig(s: EventSettings): EventsConfig {
  return {
    backend: s.LLM_PROXY_EVENT_BUS,
    bufferSize: s.OBSERVABILITY_BUFFER_SIZE,
    redisStreams: {
      address: s.REDIS_ADDR,
      db: s.REDIS_DB,
      password: s.REDIS_PASSWORD,
      streamKey: s.REDIS_STREAM_KEY,
      deadLetterStreamKey: s.REDIS_DEAD_LETTER_STREAM_KEY ?? `${s.REDIS_STREAM_KEY}:dead-letter`,
      consumerGroup: s.REDIS_CONSUMER_GROUP,
      consumerName: s.REDIS_CONSUMER_NAME,
      maxLen: s.REDIS_STREAM_MAX_LEN,
      blockMs: s.REDIS_STREAM_BLOCK_TIME,
      claimIdleMs: s.REDIS_STREAM_CLAIM_TIME,
      batchSize: s.REDIS_STREAM_BATCH_SIZE,
    },
  };
}

/** redis://[:password@]REDIS_ADDR/REDIS_DB: the cache's Redis when REDIS_CACHE_URL is not set. */
function redisUrlOf(s: EventSettings): string {
  const auth = s.REDIS_PASSWORD === undefined ? '' : `:${encodeURIComponent(s.REDIS_PASSWORD)}@`;
  return `redis://${auth}${s.REDIS_ADDR}/${s.REDIS_DB}`;
}

/** Validates resolved settings into a frozen Config; a bad value throws ConfigError naming it. */
export function buildConfig(resolved: ResolvedSettings): Config {
  const s = validate(settingsSchema, resolved);
  return deepFreeze({
    listen: s.LISTEN_ADDR,
    database: databaseConfig(s),
    upstream: {
      openaiApiUrl: s.OPENAI_API_URL,
      apiConfigPath: s.API_CONFIG_PATH,
      defaultProvider: s.DEFAULT_API_PROVIDER,
      responseHeaderTimeoutMs: s.UPSTREAM_RESPONSE_HEADER_TIMEOUT ?? s.REQUEST_TIMEOUT,
      streamIdleTimeoutMs: s.UPSTREAM_STREAM_IDLE_TIMEOUT ?? s.REQUEST_TIMEOUT,
      connectTimeoutMs: s.UPSTREAM_CONNECT_TIMEOUT,
      maxConnections: s.UPSTREAM_MAX_CONNECTIONS,
      maxQueue: s.UPSTREAM_MAX_QUEUE,
      maxRequestBytes: s.MAX_REQUEST_SIZE,
      egress: { httpsProxy: s.HTTPS_PROXY, httpProxy: s.HTTP_PROXY, noProxy: s.NO_PROXY },
    },
    clients: { headerTimeoutMs: s.CLIENT_HEADER_TIMEOUT, bodyTimeoutMs: s.CLIENT_BODY_TIMEOUT, maxConnections: s.MAX_CLIENT_CONNECTIONS },
    auth: { tokenCacheTtlMs: s.LLM_PROXY_TOKEN_CACHE_TTL },
    coordination: { backend: s.LLM_PROXY_COORDINATION, redisUrl: redisUrlOf(s), keyPrefix: s.LLM_PROXY_COORDINATION_KEY_PREFIX },
    events: eventsConfig(s),
    observability: {
      fileEventLog: s.FILE_EVENT_LOG,
      maxRequestBodyBytes: s.OBSERVABILITY_MAX_REQUEST_BODY_BYTES,
      maxResponseBodyBytes: s.OBSERVABILITY_MAX_RESPONSE_BODY_BYTES,
      injectStreamUsage: s.USAGE_INJECT_STREAM_OPTIONS,
    },
    log: { level: s.LOG_LEVEL, format: s.LOG_FORMAT, requests: s.LOG_REQUESTS },
    shutdown: { drainTimeoutMs: s.SHUTDOWN_TIMEOUT },
    workers: s.LLM_PROXY_WORKERS,
    cache: {
      enabled: s.HTTP_CACHE_ENABLED,
      backend: s.HTTP_CACHE_BACKEND,
      maxBytes: s.HTTP_CACHE_MAX_BYTES,
      maxObjectBytes: s.HTTP_CACHE_MAX_OBJECT_BYTES,
      defaultTtlMs: s.HTTP_CACHE_DEFAULT_TTL,
      streamReplay: s.HTTP_CACHE_STREAM_REPLAY,
      redisUrl: s.REDIS_CACHE_URL ?? redisUrlOf(s),
      redisKeyPrefix: s.REDIS_CACHE_KEY_PREFIX,
    },
    audit: {
      enabled: s.AUDIT_ENABLED,
      logFile: s.AUDIT_LOG_FILE === undefined ? defaultAuditLogFile(s.DATABASE_PATH) : s.AUDIT_LOG_FILE.trim() || undefined,
      createDir: s.AUDIT_CREATE_DIR,
      storeInDb: s.AUDIT_STORE_IN_DB,
      trustProxyHeaders: s.AUDIT_TRUST_PROXY_HEADERS,
      recordReads: s.AUDIT_READS,
    },
    metrics: { enabled: s.ENABLE_METRICS, path: s.METRICS_PATH },
    secrets: {
      managementToken: s.MANAGEMENT_TOKEN,
      encryptionKey: s.ENCRYPTION_KEY,
      previousEncryptionKey: s.ENCRYPTION_KEY_PREVIOUS,
      metricsToken: s.METRICS_TOKEN,
    },
    adminUi: { enabled: s.ADMIN_UI_ENABLED, path: s.ADMIN_UI_PATH, sessionTtlMs: s.ADMIN_UI_SESSION_TTL },
  });
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  return buildConfig(resolveSettings(options));
}

/**
 * The event bus settings alone (flags > environment > `.env` > defaults), for a process that is not
 * the server (the dispatcher): no MANAGEMENT_TOKEN needed. Throws ConfigError like loadConfig.
 */
export function loadEventsConfig(options: LoadConfigOptions = {}): EventsConfig {
  return deepFreeze(eventsConfig(validate(eventSettingsSchema, resolveSettings(options))));
}

function databaseConfig(s: DatabaseSettings): DatabaseConfig {
  return {
    driver: s.DB_DRIVER,
    path: s.DATABASE_PATH,
    url: s.DB_DRIVER === 'sqlite' ? undefined : s.DATABASE_URL?.trim(),
    lockTimeoutMs: s.DATABASE_LOCK_TIMEOUT,
    pool: {
      size: s.DATABASE_POOL_SIZE,
      maxIdle: s.DATABASE_MAX_IDLE_CONNS,
      maxLifetimeMs: s.DATABASE_CONN_MAX_LIFETIME,
      maxIdleTimeMs: s.DATABASE_CONN_MAX_IDLE_TIME,
    },
  };
}

/** The database settings alone (no MANAGEMENT_TOKEN needed), as `llm-proxy migrate` reads them. */
export function loadDatabaseConfig(options: LoadConfigOptions = {}): DatabaseConfig {
  return deepFreeze(databaseConfig(validate(databaseSettingsSchema, resolveSettings(options))));
}

/** ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS alone, as `llm-proxy migrate encrypt|rotate-key` read them. */
export function loadEncryptionKeys(options: LoadConfigOptions = {}): EncryptionKeys {
  const s = validate(encryptionSettingsSchema, resolveSettings(options));
  return { current: s.ENCRYPTION_KEY, previous: s.ENCRYPTION_KEY_PREVIOUS };
}

/** A valid Config for tests: defaults, an in-test management token, and the given settings. */
export function createTestConfig(settings: Partial<Record<SettingName, string>> = {}): Config {
  return buildConfig({
    values: { MANAGEMENT_TOKEN: 'test-management-token', LISTEN_ADDR: '127.0.0.1:0', ...settings },
    sources: {},
    envFilePath: '.env',
    envFileFound: false,
  });
}
