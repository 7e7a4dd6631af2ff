import type { ListenAddress } from './units.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where events go: the in-process bus only, or also a Redis stream that dispatchers read. */
export interface EventsConfig {
  readonly backend: 'in-memory' | 'redis-streams';
  /** Events held in memory per bus (in-process subscribers; with Redis, those not yet sent) before new ones are dropped. */
  readonly bufferSize: number;
  readonly redisStreams: RedisStreamsSettings;
}

/** LLM_PROXY_EVENT_BUS=redis-streams: the Go original's REDIS_* names and defaults. */
export interface RedisStreamsSettings {
  /** host:port (REDIS_ADDR). */
  readonly address: string;
  readonly db: number;
  /** REDIS_PASSWORD: never log it. */
  readonly password: string | undefined;
  readonly streamKey: string;
  /** Where a consumer puts entries its sink refused for good (default `<streamKey>:dead-letter`). */
  readonly deadLetterStreamKey: string;
  readonly consumerGroup: string;
  /** undefined: a consumer makes one up (`dispatcher-<hostname>-<pid>`). */
  readonly consumerName: string | undefined;
  /** Approximate MAXLEN of the stream; 0 = no trimming. */
  readonly maxLen: number;
  /** How long a consumer's read waits for new entries. */
  readonly blockMs: number;
  /** Entries pending this long with a consumer (that died) are claimed by another. */
  readonly claimIdleMs: number;
  /** Entries a consumer reads at once. */
  readonly batchSize: number;
}

/** Which engine holds the data, and how to reach it (see README "Databases"). */
export interface DatabaseConfig {
  readonly driver: 'sqlite' | 'postgres' | 'mysql';
  /** SQLite file (DATABASE_PATH). */
  readonly path: string;
  /** PostgreSQL/MySQL (DATABASE_URL); may hold a password: print `describeDatabaseUrl(url)` instead. */
  readonly url: string | undefined;
  /** SQLite: how long a write waits for a lock held by another process before answering 503. */
  readonly lockTimeoutMs: number;
  /** PostgreSQL/MySQL connection pool. */
  readonly pool: {
    readonly size: number;
    readonly maxIdle: number;
    readonly maxLifetimeMs: number;
    readonly maxIdleTimeMs: number;
  };
}

/** The server's configuration: validated once at start, then frozen. */
export interface Config {
  readonly listen: ListenAddress;
  readonly database: DatabaseConfig;
  readonly upstream: {
    /** Base URL of the built-in OpenAI provider (used when no api_providers.yaml is given). */
    readonly openaiApiUrl: string;
    readonly apiConfigPath: string | undefined;
    readonly defaultProvider: string | undefined;
    /** Longest wait for upstream response headers (REQUEST_TIMEOUT unless set on its own). */
    readonly responseHeaderTimeoutMs: number;
    /** Longest upstream silence between body chunks while the client reads (REQUEST_TIMEOUT unless set). */
    readonly streamIdleTimeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly maxConnections: number;
    readonly maxQueue: number;
    readonly maxRequestBytes: number;
    /** Forward proxy for egress (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; lower-case names accepted). */
    readonly egress: { readonly httpsProxy: string | undefined; readonly httpProxy: string | undefined; readonly noProxy: string | undefined };
  };
  /** Limits on client connections, against slow or idle clients holding sockets. */
  readonly clients: {
    readonly headerTimeoutMs: number;
    /** A request body must keep coming: see request-body.ts. */
    readonly bodyTimeoutMs: number;
    readonly maxConnections: number;
  };
  readonly auth: { readonly tokenCacheTtlMs: number };
  /** How instances act as one proxy (src/coordination). */
  readonly coordination: {
    readonly backend: 'none' | 'redis';
    /** redis://[:REDIS_PASSWORD@]REDIS_ADDR/REDIS_DB; may hold a password: never log it. */
    readonly redisUrl: string;
    readonly keyPrefix: string;
  };
  readonly events: EventsConfig;
  /** What every proxied call's event holds, and the server's own JSON-lines copy of them. */
  readonly observability: {
    /** FILE_EVENT_LOG: one JSON line per proxied call, appended (reopened on SIGHUP); undefined = none. */
    readonly fileEventLog: string | undefined;
    /** Bytes of request / response body kept in an event (secrets redacted); 0 = none. */
    readonly maxRequestBodyBytes: number;
    readonly maxResponseBodyBytes: number;
    /** Ask chat streams for their usage when the client did not (and hide it from that client). */
    readonly injectStreamUsage: boolean;
  };
  readonly log: { readonly level: LogLevel; readonly format: 'json' | 'pretty'; readonly requests: boolean };
  readonly shutdown: { readonly drainTimeoutMs: number };
  /** Processes serving the port (`server --workers`, LLM_PROXY_WORKERS; auto already resolved to the core count). */
  readonly workers: number;
  readonly cache: {
    readonly enabled: boolean;
    readonly backend: 'in-memory' | 'redis';
    /** Memory backend: total bytes of the entries (least recently used evicted first). */
    readonly maxBytes: number;
    /** A larger answer is never stored. */
    readonly maxObjectBytes: number;
    /** Lifetime of a `public` GET answer that gives no expiry; 0 = such answers are not stored. */
    readonly defaultTtlMs: number;
    /** How a stored event stream is replayed: with its original gaps (capped) or at once. */
    readonly streamReplay: 'paced' | 'fast';
    /** REDIS_CACHE_URL, or redis://[:REDIS_PASSWORD@]REDIS_ADDR/REDIS_DB; may hold a password: never log it. */
    readonly redisUrl: string;
    readonly redisKeyPrefix: string;
  };
  /** The audit log of management actions (src/audit). */
  readonly audit: {
    readonly enabled: boolean;
    /** JSON Lines file the records are appended to; undefined = none. */
    readonly logFile: string | undefined;
    /** Create the file's missing parent directories (mode 0700). */
    readonly createDir: boolean;
    /** Also keep the records in the audit_events table (what GET /manage/audit reads). */
    readonly storeInDb: boolean;
    /** Take the client IP from X-Forwarded-For / X-Real-IP: only behind a reverse proxy that sets them. */
    readonly trustProxyHeaders: boolean;
    /** Also record reads (lists and gets); off by default: changes and refusals only. */
    readonly recordReads: boolean;
  };
  /** Prometheus metrics, served by the server itself (the token is under secrets). */
  readonly metrics: {
    readonly enabled: boolean;
    /** Where the text exposition is served (and under `<path>/prometheus`, the Go original's path). */
    readonly path: string;
  };
  readonly secrets: {
    readonly managementToken: string;
    readonly encryptionKey: Buffer | undefined;
    /** ENCRYPTION_KEY_PREVIOUS: decrypts values sealed before a key rotation, never encrypts. */
    readonly previousEncryptionKey: Buffer | undefined;
    /** METRICS_TOKEN: when set, the metrics need `Authorization: Bearer <it>`; never log it. */
    readonly metricsToken: string | undefined;
  };
  readonly adminUi: {
    readonly enabled: boolean;
    /** Where the pages are served, e.g. /admin (no trailing slash). */
    readonly path: string;
    /** How long a login lasts without activity (sessions live in memory, a restart ends them; or in Redis with LLM_PROXY_COORDINATION=redis). */
    readonly sessionTtlMs: number;
  };
}

/** The keys of project API keys at rest: `current` encrypts and decrypts, `previous` only decrypts. */
export interface EncryptionKeys {
  readonly current: Buffer | undefined;
  readonly previous: Buffer | undefined;
}
