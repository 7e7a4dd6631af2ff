import { MINUTE_MS, type AdmissionVerdict, type Coordinator, type RateLimit } from './coordinator.js';

/**
 * Rate limits of one instance alone: fixed one-minute windows (aligned on the clock's minutes)
 * counted in memory. max_requests stays with the database's conditional update; invalidations
 * have nobody to reach. Only tokens and projects with a limit ever get an entry, and the entries
 * of a window are dropped when the next one starts.
 */
export function createLocalCoordinator(now: () => number = Date.now): Coordinator {
  let window = -1;
  let counts = new Map<string, number>();
  const keyOf = (limit: RateLimit): string => `${limit.scope}:${limit.id}`;

  return {
    countsMaxRequests: false,
    admit({ rateLimits }): AdmissionVerdict {
      const nowMs = now();
      const current = Math.floor(nowMs / MINUTE_MS);
      if (current !== window) {
        window = current;
        counts = new Map();
      }
      for (const limit of rateLimits) {
        if ((counts.get(keyOf(limit)) ?? 0) >= limit.perMinute) {
          return { outcome: 'rate_limited', limit, retryAfterMs: (current + 1) * MINUTE_MS - nowMs };
        }
      }
      for (const limit of rateLimits) counts.set(keyOf(limit), (counts.get(keyOf(limit)) ?? 0) + 1);
      return { outcome: 'admitted' };
    },
    refund: async () => {},
    announce() {},
    onInvalidation() {},
    sharedSessions: () => undefined,
    close: async () => {},
  };
}
