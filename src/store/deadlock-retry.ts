import { setTimeout as sleep } from 'node:timers/promises';

/** PostgreSQL deadlock_detected and serialization_failure; MySQL's deadlock. */
const RETRIED_CODES = new Set(['40P01', '40001', 'ER_LOCK_DEADLOCK']);
const ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 5;

/** True when the engine chose this write as a deadlock's victim (and rolled it back). */
export function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRIED_CODES.has(code);
}

/**
 * Runs a write on PostgreSQL or MySQL, again (a few times, on timers) when the engine picked it
 * as a deadlock victim: batches written behind by several instances (usage counters, the ledger's
 * upserts) can meet that way. The engine rolled the victim back, so running it again is safe.
 */
export async function retryDeadlocks<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1, backoffMs = FIRST_BACKOFF_MS; ; tries++, backoffMs *= 2) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDeadlock(error) || tries >= ATTEMPTS) throw error;
      await sleep(backoffMs);
    }
  }
}
