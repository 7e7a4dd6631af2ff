import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { createCodec, type Codec, type Dialect } from './codec.js';
import { databaseUrlProblem, describeDatabaseUrl } from '../config/database-url.js';
import { DEFAULT_POOL_SETTINGS, type PoolSettings } from './engines/pool-settings.js';
import { withUnavailableErrors } from './engines/unavailable-errors.js';
import { DatabaseUnavailableError, causeText } from './errors.js';
import { retryDeadlocks } from './deadlock-retry.js';
import { retryWhileLocked } from './lock-wait.js';
import { withPreparedStatements } from './sqlite-statements.js';
import { withImmediateTransactions } from './sqlite-immediate.js';
import { migrateToLatest } from './migrator.js';
import type { DatabaseSchema } from './schema/index.js';
import { makeDirectory } from '../files/make-directory.js';

export type DatabaseDriver = Dialect;

export interface DatabaseOptions {
  readonly driver: DatabaseDriver;
  /** SQLite: the database file (created if missing). */
  readonly path?: string;
  /** PostgreSQL and MySQL: postgres://… or mysql://… (DATABASE_URL). */
  readonly url?: string | undefined;
  /** SQLite: how long a write waits for a lock held by another process before DatabaseLockedError. Default 2 s. */
  readonly lockTimeoutMs?: number;
  /** PostgreSQL and MySQL: the connection pool. */
  readonly pool?: PoolSettings;
  /** Apply pending migrations on open (default true; `llm-proxy migrate` opens without). */
  readonly migrate?: boolean;
  /** Told about idle server connections that broke (the pool has dropped them already). */
  readonly onConnectionError?: (error: Error) => void;
}

const DEFAULT_LOCK_TIMEOUT_MS = 2_000;
/** Opening and migrating happen before the server serves anything: there, waiting on a lock is fine. */
const STARTUP_BUSY_TIMEOUT_MS = 5_000;

/** An open database: the query builder, the value codec of its engine, and its lifecycle. */
export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: Dialect;
  readonly codec: Codec;
  /** Where it lives, safe to print: the SQLite path or host:port/database. */
  readonly where: string;
  /**
   * Runs a write, retried on timers while another process holds the lock, up to the lock
   * timeout (then DatabaseLockedError). The connection itself never waits on a lock, so no
   * query can block the event loop.
   */
  write<T>(attempt: () => Promise<T>): Promise<T>;
  /** Cheap round trip proving the database answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}


/** A server engine could not be reached or refused us at start: names host:port/database and the cause. */
export class DatabaseConnectError extends Error {
  override readonly name = 'DatabaseConnectError';
}

const PRIVATE_FILE = 0o600;
const PRIVATE_DIRECTORY = 0o700;

/**
 * Creates `path` empty with mode 0600 (an empty file is an empty SQLite database); false when it
 * already exists. Done with open(2)'s mode rather than the process umask, which worker threads
 * cannot change and which would race with every other file the process creates.
 */
function createPrivateFile(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', PRIVATE_FILE));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Project keys live in this file (plaintext without ENCRYPTION_KEY): a new one is readable by its owner only. */
function openSqlite(path: string): { connection: SQLite.Database; db: Kysely<DatabaseSchema> } {
  const onDisk = path !== ':memory:' && path !== '';
  let created = false;
  if (onDisk) {
    makeDirectory(dirname(path), PRIVATE_DIRECTORY);
    created = createPrivateFile(path);
  }
  const connection = new SQLite(path, { timeout: STARTUP_BUSY_TIMEOUT_MS });
  connection.pragma('journal_mode = WAL');
  // SQLite gives -wal and -shm the mode of the database file; made sure of here all the same.
  if (created) for (const companion of [`${path}-wal`, `${path}-shm`]) if (existsSync(companion)) chmodSync(companion, PRIVATE_FILE);
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  return { connection, db: new Kysely<DatabaseSchema>({ dialect: withImmediateTransactions(new SqliteDialect({ database: withPreparedStatements(connection) })) }) };
}

/** Opens the database and (unless `migrate: false`) brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.driver === 'sqlite' ? openSqliteDatabase(options) : await openServerDatabase(options.driver, options);
  if (options.migrate === false) return database;
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  database.afterMigration?.();
  return database;
}

type OpenedDatabase = Database & { readonly afterMigration?: () => void };

function openSqliteDatabase(options: DatabaseOptions): OpenedDatabase {
  const { connection, db } = openSqlite(options.path ?? '');
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return {
    db,
    dialect: 'sqlite',
    codec: createCodec('sqlite'),
    where: options.path ?? ':memory:',
    write: (attempt) => retryWhileLocked(attempt, lockTimeoutMs),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
    // better-sqlite3 waits out busy_timeout synchronously, on the only thread: once migrated, a
    // locked database fails fast (SQLITE_BUSY) and `write` retries on timers instead.
    afterMigration: () => connection.pragma('busy_timeout = 0'),
  };
}

const ENGINE_NAMES: Readonly<Record<Exclude<Dialect, 'sqlite'>, string>> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

/**
 * PostgreSQL or MySQL through Kysely's dialect and the driver's pool, loaded only now. Pinged
 * before it is returned: an engine that cannot be reached throws DatabaseConnectError with
 * host:port/database and the cause (never the password).
 */
async function openServerDatabase(driver: Exclude<Dialect, 'sqlite'>, options: DatabaseOptions): Promise<OpenedDatabase> {
  const url = options.url?.trim() ?? '';
  if (url === '') throw new DatabaseConnectError(`DATABASE_URL is required with DB_DRIVER=${driver}: set it to ${driver === 'postgres' ? 'postgres' : 'mysql'}://user:password@host:port/database`);
  const problem = databaseUrlProblem(driver, url);
  if (problem !== undefined) throw new DatabaseConnectError(`DATABASE_URL ${problem}`);
  const where = describeDatabaseUrl(url);
  const pool = options.pool ?? DEFAULT_POOL_SETTINGS;
  const onIdleError = options.onConnectionError ?? (() => undefined);
  const engineDialect =
    driver === 'postgres'
      ? (await import('./engines/postgres.js')).createPostgresDialect(url, pool, onIdleError)
      : (await import('./engines/mysql.js')).createMysqlDialect(url, pool, onIdleError);
  const db = new Kysely<DatabaseSchema>({ dialect: withUnavailableErrors(engineDialect, where) });
  const ping = async (): Promise<void> => {
    await sql`select 1`.execute(db);
  };
  try {
    await ping();
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const cause = error instanceof DatabaseUnavailableError ? error.cause : error;
    throw new DatabaseConnectError(`cannot connect to ${ENGINE_NAMES[driver]} at ${where}: ${causeText(cause)}`, { cause });
  }
  return {
    db,
    dialect: driver,
    codec: createCodec(driver),
    where,
    // Row locks, not a file lock: a write waits inside the engine (asynchronously); only a
    // deadlock's victim is run again.
    write: retryDeadlocks,
    ping,
    close: () => db.destroy(),
  };
}
