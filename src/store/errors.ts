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
