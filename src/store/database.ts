import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { createCodec, type Codec, type Dialect } from './codec.js';
import { retryWhileLocked } from './lock-wait.js';
import { migrations } from './migrations/index.js';
import type { DatabaseSchema } from './schema/index.js';

export interface DatabaseOptions {
  readonly driver: 'sqlite';
  readonly path: string;
  /** How long a write waits for a lock held by another process before DatabaseLockedError. Default 2 s. */
  readonly lockTimeoutMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 2_000;
/** Opening and migrating happen before the server serves anything: there, waiting on a lock is fine. */
const STARTUP_BUSY_TIMEOUT_MS = 5_000;

/** An open database: the query builder, the value codec of its engine, and its lifecycle. */
export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: Dialect;
  readonly codec: Codec;
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

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
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
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIRECTORY });
    created = createPrivateFile(path);
  }
  const connection = new SQLite(path, { timeout: STARTUP_BUSY_TIMEOUT_MS });
  connection.pragma('journal_mode = WAL');
  // SQLite gives -wal and -shm the mode of the database file; made sure of here all the same.
  if (created) for (const companion of [`${path}-wal`, `${path}-shm`]) if (existsSync(companion)) chmodSync(companion, PRIVATE_FILE);
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  return { connection, db: new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: connection }) }) };
}

/** Applies every pending migration; throws MigrationError (Kysely itself only returns errors). */
export async function migrateToLatest(db: Kysely<DatabaseSchema>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`database migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { connection, db } = openSqlite(options.path);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // better-sqlite3 waits out busy_timeout synchronously, on the only thread: from now on a
  // locked database fails fast (SQLITE_BUSY) and `write` retries on timers instead.
  connection.pragma('busy_timeout = 0');
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return {
    db,
    dialect: 'sqlite',
    codec: createCodec('sqlite'),
    write: (attempt) => retryWhileLocked(attempt, lockTimeoutMs),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
