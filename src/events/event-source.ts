import type { ProxyEvent } from './proxy-event.js';

/** One event as a consumer received it, with the transport's own id for acknowledging it. */
export interface ReceivedEvent {
  /** The transport's id: a Redis Streams entry id, or the event id for the live stream. */
  readonly deliveryId: string;
  readonly event: ProxyEvent;
  /** The event's JSON exactly as it arrived, when the transport had it (Redis Streams): sinks that write JSON may reuse it. */
  readonly json?: string;
}

/**
 * Where a dispatcher reads events from: Redis Streams (a consumer group; at-least-once) or a
 * running server's live stream (`GET /manage/events`; what arrives while nobody listens is lost).
 * A consumer acknowledges a batch only after its sink took it; what it never acknowledges is
 * delivered again (Redis Streams) to it or to another consumer of the group.
 */
export interface EventSource {
  /** Human-readable description for logs and progress ("redis-streams llm-proxy-events@localhost:6379"). */
  readonly description: string;
  /** Up to `max` events; waits at most `waitMs` for the first one, resolving [] on timeout or once closed. */
  read(max: number, waitMs: number): Promise<ReceivedEvent[]>;
  /** The sink took these: never deliver them again. */
  ack(events: readonly ReceivedEvent[]): Promise<void>;
  /** The sink refused these for good (retries exhausted): keep them aside, then ack them. */
  deadLetter(events: readonly ReceivedEvent[], reason: string): Promise<void>;
  /**
   * Optional: the dispatcher stops reading (a graceful stop): a read under way resolves [] now,
   * and so does every later one; acknowledging and dead-lettering go on. For sources whose reads
   * wait long (Redis Streams: REDIS_STREAM_BLOCK_TIME), so that a stop need not wait for them.
   */
  stopReading?(): void;
  /** Events published but not yet delivered to this consumer's group; undefined when unknown. */
  lag(): Promise<number | undefined>;
  close(): Promise<void>;
}
