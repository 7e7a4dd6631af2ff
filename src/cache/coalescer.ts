/**
 * Single flight by key: the first miss for a key leads (goes upstream), later identical misses
 * wait for what the leader stored. A waiter gets undefined (and goes upstream on its own) when
 * the leader's answer was not stored, failed or was cancelled, when the wait bound passes, or
 * when its own client leaves.
 */
export interface Coalescer<T> {
  /** Leads the flight for `key`, or joins the one in progress. */
  join(key: string): Flight<T>;
  /** Requests that waited on a leader so far. */
  readonly waits: number;
  /** Keys with a leader in flight. */
  readonly inFlight: number;
}

export type Flight<T> = { readonly leader: true; finish(result: T | undefined): void } | { readonly leader: false; wait(signal?: AbortSignal): Promise<T | undefined> };

interface Pending<T> {
  readonly promise: Promise<T | undefined>;
  resolve(result: T | undefined): void;
}

export function createCoalescer<T>(options: { readonly maxWaitMs: number }): Coalescer<T> {
  const pending = new Map<string, Pending<T>>();
  let waits = 0;

  function wait(flight: Pending<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
    waits++;
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(settle, options.maxWaitMs, undefined);
      const onAbort = (): void => settle(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      function settle(result: T | undefined): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      }
      flight.promise.then(settle, () => settle(undefined));
    });
  }

  return {
    join(key) {
      const flight = pending.get(key);
      if (flight !== undefined) return { leader: false, wait: (signal) => wait(flight, signal) };
      let resolve!: (result: T | undefined) => void;
      const promise = new Promise<T | undefined>((done) => (resolve = done));
      const created: Pending<T> = { promise, resolve };
      pending.set(key, created);
      let finished = false;
      const finish = (result: T | undefined): void => {
        if (finished) return;
        finished = true;
        clearTimeout(abandoned);
        if (pending.get(key) === created) pending.delete(key);
        resolve(result);
      };
      // A leader that never reports back must not hold the key forever.
      const abandoned = setTimeout(finish, options.maxWaitMs, undefined);
      abandoned.unref();
      return { leader: true, finish };
    },
    get waits() {
      return waits;
    },
    get inFlight() {
      return pending.size;
    },
  };
}
