import { createSessionStore } from '../admin/session-store.js'; // not the index: the primary loads no page code
import { createLocalCoordinator } from '../coordination/index.js';
import type { PrimaryRequest } from './messages.js';

/**
 * The state the workers of one `server --workers N` share through the primary: the rate-limit
 * windows (LLM_PROXY_COORDINATION=none; with redis the workers count in Redis) and the admin UI's
 * sessions. The primary answers each question synchronously: there is no I/O behind it.
 */
export function createPrimaryServices(options: { sessionTtlMs: number }): { answer(request: PrimaryRequest): unknown } {
  const windows = createLocalCoordinator();
  const sessions = createSessionStore({ ttlMs: options.sessionTtlMs });
  return {
    answer(request) {
      switch (request.op) {
        case 'admit':
          return windows.admit({ tokenId: '', maxRequests: null, rateLimits: request.rateLimits, seedCount: async () => 0 });
        case 'session-create':
          return sessions.create();
        case 'session-get':
          return sessions.get(request.id) ?? null;
        case 'session-delete':
          sessions.delete(request.id);
          return null;
      }
    },
  };
}
