import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newSession, type AdminSession, type SessionStore } from '../admin/session-store.js';

export interface RedisSessionStoreOptions {
  /** Prepended to every key (LLM_PROXY_COORDINATION_KEY_PREFIX). */
  readonly keyPrefix: string;
  /** ADMIN_UI_SESSION_TTL: how long a session lives without being used. */
  readonly ttlMs: number;
  /** What a failed command becomes: the store rejects with it (the admin UI answers 503). */
  readonly unavailable: (error: unknown) => Error;
  readonly now?: () => number;
}

/** The session's CSRF token, its expiry pushed back in the same step; nil when the session is gone. */
const TOUCH_SCRIPT = `
local csrf = redis.call('GET', KEYS[1])
if csrf then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return csrf
`;

interface SessionCommands {
  llmProxyTouchSession(key: string, ttlMs: number): Promise<string | null>;
}

/**
 * Admin UI sessions in Redis, seen by every instance: one key per session holding its CSRF token,
 * which expires after the session TTL; reading a session pushes that back (sliding, as in memory),
 * and a logout deletes the key, which ends the session everywhere at once. The key is named after
 * the id's SHA-256, not the id: whoever can list the keys (a shared Redis, a dump) cannot sign in
 * with them. There is no cap like the in-memory store's MAX_SESSIONS, which guards one process's
 * heap: only the management token creates a session, each key expires by itself, and a key is
 * about 150 bytes of Redis memory.
 */
export function createRedisSessionStore(client: Redis, options: RedisSessionStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  const ttlMs = Math.ceil(options.ttlMs); // PX takes whole milliseconds
  client.defineCommand('llmProxyTouchSession', { numberOfKeys: 1, lua: TOUCH_SCRIPT });
  const commands = client as Redis & SessionCommands;
  const keyOf = (id: string): string => `${options.keyPrefix}admin-session:${createHash('sha256').update(id).digest('base64url')}`;

  async function run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw options.unavailable(error);
    }
  }

  return {
    async create() {
      const session = newSession(now(), ttlMs);
      await run(() => client.set(keyOf(session.id), session.csrfToken, 'PX', ttlMs));
      return session;
    },
    async get(id): Promise<AdminSession | undefined> {
      if (id === undefined || id === '') return undefined;
      const at = now();
      const csrfToken = await run(() => commands.llmProxyTouchSession(keyOf(id), ttlMs));
      return csrfToken === null ? undefined : { id, csrfToken, expiresAt: at + ttlMs };
    },
    async delete(id) {
      if (id !== undefined && id !== '') await run(() => client.del(keyOf(id)));
    },
  };
}
