import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseLockedError, isLockConflict } from './errors.js';

const FIRST_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 100;

/**
 * Runs a write, retrying it while another process holds the database lock, for at most
 * `timeoutMs`; then throws DatabaseLockedError. The connection never waits inside SQLite
 * (busy_timeout is 0 once open), so waiting here is timers between attempts: the event loop
 * stays free, and the connection is free for reads between attempts. `attempt` must be safe to
 * run again after a lock conflict (a single statement, or a whole transaction: SQLite rolled it back).
 */
export async function retryWhileLocked<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let backoffMs = FIRST_BACKOFF_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isLockConflict(error)) throw error;
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) throw new DatabaseLockedError(timeoutMs, error);
      await sleep(Math.min(backoffMs, leftMs));
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }
}
