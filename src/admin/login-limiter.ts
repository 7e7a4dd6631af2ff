/** Failed logins per client IP in a fixed window: a guesser is slowed to a few tries a minute. */
export interface LoginLimiter {
  /** Whether this IP may try now. */
  allows(ip: string): boolean;
  /** A failed attempt. */
  fail(ip: string): void;
  /** A successful login forgets the IP's failures. */
  succeed(ip: string): void;
  /** Seconds until the IP may try again (0 when it may). */
  retryAfterSeconds(ip: string): number;
}

export function createLoginLimiter(options: { maxFailures: number; windowMs: number; now?: () => number }): LoginLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; failures: number }>();

  function current(ip: string): { start: number; failures: number } | undefined {
    const entry = windows.get(ip);
    if (entry !== undefined && now() - entry.start >= options.windowMs) {
      windows.delete(ip);
      return undefined;
    }
    return entry;
  }

  return {
    allows: (ip) => (current(ip)?.failures ?? 0) < options.maxFailures,
    fail(ip) {
      const entry = current(ip);
      if (entry === undefined) {
        // Bounded: entries older than the window go before a new one is added.
        if (windows.size >= 10_000) for (const [key, value] of windows) if (now() - value.start >= options.windowMs) windows.delete(key);
        windows.set(ip, { start: now(), failures: 1 });
      } else entry.failures += 1;
    },
    succeed: (ip) => void windows.delete(ip),
    retryAfterSeconds(ip) {
      const entry = current(ip);
      if (entry === undefined || entry.failures < options.maxFailures) return 0;
      return Math.ceil((entry.start + options.windowMs - now()) / 1000);
    },
  };
}
