import { randomUUID } from 'node:crypto';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type EventSource, type ProxyEvent, type ReceivedEvent } from '../../src/events/index.js';

/** A v1 event with defaults (a successful chat completion call). */
export function makeEvent(overrides: Partial<ProxyEvent> = {}): ProxyEvent {
  return {
    schema_version: PROXY_EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    request_id: `req-${randomUUID().slice(0, 8)}`,
    started_at: '2026-01-02T03:04:05.678Z',
    ended_at: '2026-01-02T03:04:06.789Z',
    duration_ms: 1111.2,
    upstream_ms: 1000.5,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    project_id: 'project-1',
    token_id: 'token-1',
    model: 'gpt-4o-mini',
    stream: false,
    cache_status: null,
    usage: MISSING_USAGE,
    request_body: null,
    response_body: null,
    error_code: null,
    aborted: false,
    ...overrides,
  };
}

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
