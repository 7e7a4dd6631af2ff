import type { SessionStore } from '../admin/index.js';
import type { WorkerLink } from './worker-link.js';

/** Admin UI sessions kept by the primary: a login on one worker holds on every other. */
export function createIpcSessionStore(link: WorkerLink): SessionStore {
  return {
    create: () => link.ask({ op: 'session-create' }),
    async get(id) {
      if (id === undefined) return undefined;
      return (await link.ask({ op: 'session-get', id })) ?? undefined;
    },
    async delete(id) {
      if (id !== undefined) await link.ask({ op: 'session-delete', id });
    },
  };
}
