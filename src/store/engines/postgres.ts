import pg from 'pg';
import { PostgresDialect, type Dialect } from 'kysely';
import { CONNECT_TIMEOUT_MS, type PoolSettings } from './pool-settings.js';

/**
 * Kysely's PostgreSQL dialect over a pg Pool. Loaded with `await import()` only when
 * DB_DRIVER=postgres, so the SQLite default never loads pg. The pool reconnects by itself: a
 * connection that broke is dropped and the next query opens a new one.
 */
/**
 * BIGINT (counters, COUNT(*)) and NUMERIC (SUM of BIGINT) come back as numbers, as on SQLite and
 * MySQL: pg returns them as text by default, to keep digits past 2^53 that no counter here reaches.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format);
  },
};

export function createPostgresDialect(url: string, pool: PoolSettings, onIdleError: (error: Error) => void): Dialect {
  const connections = new pg.Pool({
    connectionString: url,
    max: pool.size,
    idleTimeoutMillis: pool.maxIdleTimeMs,
    maxLifetimeSeconds: Math.max(1, Math.round(pool.maxLifetimeMs / 1000)),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: types as pg.CustomTypesConfig,
  });
  // A connection that the server (or the network) drops emits 'error', on the pool when idle, on
  // the client when checked out (its query fails on its own): without listeners that would end the
  // process. The pool discards it either way.
  connections.on('error', onIdleError);
  connections.on('connect', (client) => client.on('error', onIdleError));
  return new PostgresDialect({ pool: connections });
}
