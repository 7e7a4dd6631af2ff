import { createPool } from 'mysql2';
import { MysqlDialect, type Dialect } from 'kysely';
import { CONNECT_TIMEOUT_MS, type PoolSettings } from './pool-settings.js';

/**
 * Kysely's MySQL dialect over a mysql2 pool (MySQL and MariaDB). Loaded with `await import()` only
 * when DB_DRIVER=mysql. A broken connection is dropped by the pool; the next query opens a new one.
 */
export function createMysqlDialect(url: string, pool: PoolSettings, onIdleError: (error: Error) => void): Dialect {
  const parsed = new URL(url);
  parsed.protocol = 'mysql:'; // mariadb:// is accepted as a synonym
  const connections = createPool({
    uri: parsed.toString(),
    connectionLimit: pool.size,
    maxIdle: Math.min(pool.maxIdle, pool.size),
    idleTimeout: pool.maxIdleTimeMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableKeepAlive: true,
    // Timestamps are ISO strings in VARCHAR columns (codec.ts); nothing for the driver to convert.
    dateStrings: true,
  });
  connections.on('connection', (connection) => connection.on('error', onIdleError));
  return new MysqlDialect({ pool: connections });
}
