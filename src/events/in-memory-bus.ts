import type { ProxyEvent } from './proxy-event.js';
import type { RemotePublisherStats } from './redis-streams-publisher.js';

export type EventHandler = (event: ProxyEvent) => void;

export interface EventBusStats {
  /** Events handed to the bus. */
  readonly published: number;
  /** Events handed to the in-process subscribers. */
  readonly delivered: number;
  /** Events the in-process subscribers did not get (their buffer was full). */
  readonly dropped: number;
  /** LLM_PROXY_EVENT_BUS=redis-streams: the publishing to Redis (its own buffer and drops). */
  readonly remote?: RemotePublisherStats;
}

/** Publishing never blocks and never fails a request: a full buffer drops the event and counts it. */
export interface EventBus {
  publish(event: ProxyEvent): void;
  /** In-process subscribers get every event (also when events go to Redis too). */
  subscribe(handler: EventHandler): () => void;
  /** Whether anything wants events (subscribers, or a remote transport): nothing is built otherwise. */
  readonly hasSubscribers: boolean;
  stats(): EventBusStats;
  /** Delivers what is buffered, then stops accepting events. */
  close(): Promise<void>;
}

export function createInMemoryEventBus(options: { bufferSize: number; onHandlerError?: (error: unknown) => void }): EventBus {
  const handlers = new Set<EventHandler>();
  let queue: ProxyEvent[] = [];
  let published = 0;
  let delivered = 0;
  let dropped = 0;
  let drainScheduled = false;
  let closed = false;

  function drain(): void {
    drainScheduled = false;
    const batch = queue;
    queue = [];
    for (const event of batch) {
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (error) {
          options.onHandlerError?.(error);
        }
      }
      delivered += 1;
    }
  }

  return {
    publish(event) {
      if (closed) return;
      published += 1;
      if (handlers.size === 0) return;
      if (queue.length >= options.bufferSize) {
        dropped += 1;
        return;
      }
      queue.push(event);
      if (!drainScheduled) {
        drainScheduled = true;
        setImmediate(drain);
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    get hasSubscribers() {
      return handlers.size > 0;
    },
    stats: () => ({ published, delivered, dropped }),
    async close() {
      drain();
      closed = true;
      handlers.clear();
    },
  };
}
