import { randomBytes } from 'node:crypto';

/** A logged-in browser: its CSRF token goes in every form it is sent and must come back with every POST. */
export interface AdminSession {
  readonly id: string;
  readonly csrfToken: string;
  expiresAt: number;
}

/**
 * Where the admin UI keeps its sessions: in this process, (a worker of `server --workers N`) in the
 * primary, or (LLM_PROXY_COORDINATION=redis) in Redis, shared by every instance. A store that
 * cannot answer rejects: the admin UI then answers 503 (see `answeringUnavailable`).
 */
export interface SessionStore {
  create(): AdminSession | Promise<AdminSession>;
  /** The live session with this id (its expiry pushed back), or undefined. */
  get(id: string | undefined): AdminSession | undefined | Promise<AdminSession | undefined>;
  delete(id: string | undefined): void | Promise<void>;
}

/** The sessions of one process: answers at once. */
export interface MemorySessionStore extends SessionStore {
  create(): AdminSession;
  get(id: string | undefined): AdminSession | undefined;
  delete(id: string | undefined): void;
  readonly size: number;
}

/** At most this many live sessions: the oldest goes when a new login would exceed it. */
const MAX_SESSIONS = 1_000;

const randomId = (): string => randomBytes(32).toString('base64url');

/** A new session with random id and CSRF token, live until `at + ttlMs` unless touched. */
export function newSession(at: number, ttlMs: number): AdminSession {
  return { id: randomId(), csrfToken: randomId(), expiresAt: at + ttlMs };
}

/** The session store did not answer (Redis away, the primary gone): nobody is let in, nobody is logged out. */
export class SessionsUnavailableError extends Error {
  override readonly name = 'SessionsUnavailableError';
  readonly statusCode = 503;
}

/** Runs one call of a store; its failure becomes a SessionsUnavailableError with the cause kept for the log. */
async function reachingStore<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new SessionsUnavailableError('the admin UI session store cannot be reached', { cause: error });
  }
}

/** `store`, whose every failure becomes a SessionsUnavailableError: the admin UI's 503 page. */
export function answeringUnavailable(store: SessionStore): SessionStore {
  return {
    create: () => reachingStore(() => store.create()),
    get: (id) => reachingStore(() => store.get(id)),
    delete: (id) => reachingStore(() => store.delete(id)),
  };
}

/**
 * Sessions in memory, sliding expiry: they do not survive a restart (everyone logs in again),
 * and the management token itself is never kept in them or sent to the browser.
 */
export function createSessionStore(options: { ttlMs: number; now?: () => number }): MemorySessionStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, AdminSession>();

  function sweep(at: number): void {
    for (const [id, session] of sessions) if (session.expiresAt <= at) sessions.delete(id);
  }

  return {
    create() {
      const at = now();
      sweep(at);
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      const session = newSession(at, options.ttlMs);
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      const at = now();
      if (session.expiresAt <= at) {
        sessions.delete(id);
        return undefined;
      }
      session.expiresAt = at + options.ttlMs;
      return session;
    },
    delete(id) {
      if (id !== undefined) sessions.delete(id);
    },
    get size() {
      return sessions.size;
    },
  };
}
