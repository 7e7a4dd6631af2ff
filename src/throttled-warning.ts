/** What a throttled warning needs of a logger (pino's, Fastify's). */
export interface WarningLogger {
  warn(fields: object, message: string): void;
}

export const WARN_EVERY_MS = 10_000;

/**
 * A warning logged at most every 10 s: a backend that is down fails every request that needs it,
 * and the log must not repeat the same line for each of them.
 */
export function throttledWarning(logger: WarningLogger, message: string, now: () => number = Date.now): (err: unknown) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  return (err) => {
    const at = now();
    if (at - lastAt < WARN_EVERY_MS) return;
    lastAt = at;
    logger.warn({ err }, message);
  };
}
