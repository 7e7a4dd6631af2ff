import { ProxyError } from '../errors.js';

/** True when a driver error is a UNIQUE constraint violation (SQLite, PostgreSQL or MySQL codes). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505' || code === 'ER_DUP_ENTRY';
}

/** True when a write failed because another connection holds the lock (SQLITE_BUSY*, SQLITE_LOCKED*). */
export function isLockConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * A write gave up waiting for a lock held by another process (a `sqlite3` session, `setup`, a
 * second server): answered as 503 `service_unavailable` wherever it surfaces.
 */
export class DatabaseLockedError extends ProxyError {
  constructor(waitedMs: number, cause: unknown) {
    super(
      'service_unavailable',
      `Service temporarily unavailable: the database is locked by another process (waited ${waitedMs} ms); try again shortly`,
      { cause },
    );
    this.name = 'DatabaseLockedError';
  }
}

/** Error codes of a connection that could not be made or was lost (Node's and the drivers'). */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ECONNECTIONLOST',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** pg's own messages when its socket ends or a connection attempt times out (they carry no code). */
const CONNECTION_ERROR_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /connect ECONNREFUSED/i];

/** True when a driver error means the database server cannot be reached (not a bad query). */
export function isConnectionError(error: unknown): boolean {
  const { code, message, fatal } = (error ?? {}) as { code?: unknown; message?: unknown; fatal?: unknown };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (fatal === true) return true; // mysql2: the connection is unusable
  return typeof message === 'string' && CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * The database server cannot be reached: a 503 `service_unavailable` wherever it surfaces. The
 * message, which reaches HTTP clients, does not name the database's address; `where` and `cause`
 * (for logs) do.
 */
export class DatabaseUnavailableError extends ProxyError {
  readonly where: string;
  constructor(where: string, cause: unknown) {
    super('service_unavailable', 'Service temporarily unavailable: the database cannot be reached; try again shortly', { cause });
    this.name = 'DatabaseUnavailableError';
    this.where = where;
  }
}

/** A driver error's code and message, for people (drivers never put the password in them). */
export function causeText(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
