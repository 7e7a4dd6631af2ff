/**
 * The timing of a write-behind: what the request path recorded in memory is written by a timer,
 * one write at a time. The owner keeps the pending data; its `write` takes all of it, and puts it
 * back (merged with what arrived meanwhile) when the write fails, so that nothing is lost and the
 * next write carries it. A tick that finds a write still under way (waiting for a database lock)
 * leaves everything to the next tick.
 */
export interface WriteBehind {
  /** Writes everything recorded so far; waits for a write already under way first. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export interface WriteBehindOptions {
  /** True when there is something to write. */
  readonly hasPending: () => boolean;
  /** Writes what is pending; on failure it has kept (merged back) what it could not write. */
  readonly write: () => Promise<void>;
  readonly intervalMs: number;
  /** Failures of timer-driven writes (those of flush() and close() reject instead). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

export function scheduleWriteBehind(options: WriteBehindOptions): WriteBehind {
  const { hasPending, write } = options;
  let writes: Promise<void> = Promise.resolve();
  let writing = 0;

  function flush(): Promise<void> {
    writing += 1;
    const next = writes.then(() => (hasPending() ? write() : undefined)).finally(() => (writing -= 1));
    writes = next.catch(() => undefined);
    return next;
  }

  const timer = setInterval(() => {
    if (writing === 0 && hasPending()) flush().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs);
  timer.unref();

  return {
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
