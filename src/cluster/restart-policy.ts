/** What to do about a worker that died when it was not asked to stop. */
export type RestartDecision = { readonly restartInMs: number } | { readonly giveUp: string };

export interface RestartPolicyOptions {
  /** A worker that dies sooner than this after its start crashed "fast". Default 10 s. */
  readonly fastCrashMs?: number;
  /** This many fast crashes in a row (of any worker) and the primary gives up. Default 5. */
  readonly maxFastCrashes?: number;
  /** The first restart's delay, doubled with each fast crash in a row. Default 100 ms. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Restarts with backoff: a worker that served a while is replaced at once; one that keeps dying
 * right after its start (a broken database, a full disk) is restarted ever later, and after
 * `maxFastCrashes` in a row the primary stops instead of restarting forever.
 */
export function createRestartPolicy(options: RestartPolicyOptions = {}): { afterExit(ranMs: number): RestartDecision } {
  const fastCrashMs = options.fastCrashMs ?? 10_000;
  const maxFastCrashes = options.maxFastCrashes ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  let fastCrashes = 0;
  return {
    afterExit(ranMs) {
      if (ranMs >= fastCrashMs) {
        fastCrashes = 0;
        return { restartInMs: 0 };
      }
      fastCrashes += 1;
      if (fastCrashes >= maxFastCrashes) {
        return { giveUp: `workers died ${fastCrashes} times in a row within ${fastCrashMs / 1000}s of starting: giving up (the workers' own errors are above)` };
      }
      return { restartInMs: Math.min(maxDelayMs, baseDelayMs * 2 ** (fastCrashes - 1)) };
    },
  };
}
