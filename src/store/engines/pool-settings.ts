/** Connection pool of a server engine (PostgreSQL, MySQL), with the Go original's setting names. */
export interface PoolSettings {
  /** DATABASE_POOL_SIZE: most connections open at once (default 10). */
  readonly size: number;
  /** DATABASE_MAX_IDLE_CONNS: most idle connections kept (default 5; MySQL only, pg has no such cap). */
  readonly maxIdle: number;
  /** DATABASE_CONN_MAX_LIFETIME: a connection is replaced after this long (default 1 h; PostgreSQL only). */
  readonly maxLifetimeMs: number;
  /** DATABASE_CONN_MAX_IDLE_TIME: an idle connection is closed after this long (default 5 min). */
  readonly maxIdleTimeMs: number;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = { size: 10, maxIdle: 5, maxLifetimeMs: 3_600_000, maxIdleTimeMs: 300_000 };

/** How long a query waits for a new connection before the engine counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 5_000;
