import { CoordinationUnavailableError, type AdmissionVerdict, type Coordinator, type Invalidation } from '../coordination/index.js';
import type { WorkerLink } from './worker-link.js';

const ADMITTED: AdmissionVerdict = { outcome: 'admitted' };

/**
 * A worker's coordinator when the workers of one `server --workers N` share no Redis
 * (LLM_PROXY_COORDINATION=none): rate-limit windows are counted by the primary (one question per
 * rate-limited request), invalidations go to the primary, which passes them to every other
 * worker. max_requests stays with the database's conditional update (one SQLite file, or the
 * shared PostgreSQL/MySQL database), exact across workers as across instances.
 */
export function createIpcCoordinator(link: WorkerLink): Coordinator {
  let listener: (invalidation: Invalidation) => void = () => {};
  link.onMessage((message) => {
    if (message.llmProxy === 'invalidate') listener(message.invalidation);
  });
  return {
    countsMaxRequests: false,
    admit({ rateLimits }) {
      if (rateLimits.length === 0) return ADMITTED;
      return link.ask({ op: 'admit', rateLimits }).catch((error: unknown) => {
        throw new CoordinationUnavailableError('the primary process, which counts the rate limits, cannot be reached', { cause: error });
      });
    },
    refund: async () => {},
    announce(invalidation) {
      link.tell({ llmProxy: 'announce', invalidation });
    },
    onInvalidation(next) {
      listener = next;
    },
    // The worker is handed the primary's session store (ipc-session-store.ts) on its own.
    sharedSessions: () => undefined,
    close: async () => {},
  };
}
