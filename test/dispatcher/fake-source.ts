import { type EventSource, type ProxyEvent, type ReceivedEvent } from '../../src/events/index.js';

export { sampleEvent as makeEvent } from '../support/proxy-event.js';

/**
 * An in-memory EventSource for testing the dispatcher's loop: hands out the events it holds (or
 * is given later), and records what was acknowledged and dead-lettered, and how many events
 * were read and not yet settled at most.
 */
export interface FakeSource extends EventSource {
  push(...events: ProxyEvent[]): void;
  readonly acked: string[];
  readonly deadLettered: { readonly ids: string[]; readonly reason: string }[];
  /** Most events read and neither acknowledged nor dead-lettered at one time. */
  readonly maxOutstanding: number;
  readonly reads: number;
}

export function createFakeSource(initial: readonly ProxyEvent[] = []): FakeSource {
  const waiting: ProxyEvent[] = [...initial];
  const acked: string[] = [];
  const deadLettered: { ids: string[]; reason: string }[] = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  let reads = 0;
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    description: 'fake source',
    push(...events) {
      waiting.push(...events);
      wake?.();
    },
    async read(max, waitMs) {
      reads += 1;
      if (waiting.length === 0 && !closed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitMs);
          function done() {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
      const batch: ReceivedEvent[] = waiting.splice(0, max).map((event) => ({ deliveryId: event.event_id, event }));
      outstanding += batch.length;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      return batch;
    },
    async ack(events) {
      outstanding -= events.length;
      for (const { event } of events) acked.push(event.event_id);
    },
    async deadLetter(events, reason) {
      outstanding -= events.length;
      deadLettered.push({ ids: events.map(({ event }) => event.event_id), reason });
    },
    lag: async () => waiting.length,
    async close() {
      closed = true;
      wake?.();
    },
    acked,
    deadLettered,
    get maxOutstanding() {
      return maxOutstanding;
    },
    get reads() {
      return reads;
    },
  };
}

/** Polls `condition` every 5 ms until it holds; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
