import type { EventSource, ReceivedEvent } from '../events/index.js';
import { backoffDelayMs, pause, type BackoffPolicy } from './backoff.js';
import { SinkError, type Sink, type SinkFailure } from './sink.js';

export interface DispatcherOptions {
  readonly source: EventSource;
  readonly sink: Sink;
  /** Events per send, at most. */
  readonly batchSize: number;
  /** No event waits longer than this for its batch to fill. */
  readonly flushIntervalMs: number;
  /**
   * Events read from the source and waiting for the sink, at most (the read-ahead; the batch at
   * the sink comes on top, so the next one is read while it is sent); raised to batchSize when
   * smaller. A read asks for as many as there is room for.
   */
  readonly bufferSize: number;
  /** Sends after the first one that failed; then the events go to the source's dead letter. */
  readonly maxRetries: number;
  readonly backoff: BackoffPolicy;
  /** How long a graceful stop may take to ship what was read before it gives up. */
  readonly drainTimeoutMs: number;
  /**
   * Longest wait on the source for new events. Default 500 ms, so that a stop is noticed soon by
   * sources without stopReading(); a source with it may wait longer (REDIS_STREAM_BLOCK_TIME).
   */
  readonly readWaitMs?: number;
  readonly random?: () => number;
  /**
   * Source errors that end the dispatcher (e.g. the server refused the management token). Any
   * other is retried: reads after a pause (Redis away: it reconnects meanwhile), acknowledgements
   * and dead letters up to maxRetries times. Default: none is fatal.
   */
  readonly isFatalSourceError?: (error: unknown) => boolean;
  /** Retries, dead letters and source trouble, as they happen (for messages). */
  readonly onNotice?: (notice: DispatcherNotice) => void;
}

export type SourceOperation = 'reading' | 'acknowledging' | 'dead-lettering';

export type DispatcherNotice =
  | { readonly kind: 'retry'; readonly attempt: number; readonly delayMs: number; readonly events: number; readonly reason: string }
  | { readonly kind: 'dead-letter'; readonly events: number; readonly reason: string }
  /** The source failed; it is tried again after delayMs. */
  | { readonly kind: 'source-retry'; readonly operation: SourceOperation; readonly delayMs: number; readonly reason: string }
  /** Acknowledging or dead-lettering failed for good: these events stay pending and are delivered again. */
  | { readonly kind: 'source-gave-up'; readonly operation: SourceOperation; readonly events: number; readonly reason: string };

export interface DispatcherStats {
  /** Events read from the source. */
  readonly received: number;
  /** Events the sink took (and the source acknowledged). */
  readonly delivered: number;
  /** Sends repeated after a retryable failure. */
  readonly retried: number;
  /** Events handed to the source's dead letter (retries exhausted, or refused for good). */
  readonly deadLettered: number;
  /** Sends the sink took whole. */
  readonly batches: number;
  /** Events read and not yet acknowledged or dead-lettered. */
  readonly buffered: number;
  /** Events read but neither acknowledged nor dead-lettered when the dispatcher stopped (drain timed out, stopped at once, or failed). */
  readonly abandoned: number;
  /** Failed sends, by how the sink failed (anything but a SinkError counts as retryable). */
  readonly sinkErrors: Readonly<Record<SinkFailure, number>>;
  /** When the oldest event read and not yet shipped ended at the proxy (its ended_at, ms); undefined when none. */
  readonly oldestPendingEndedAt: number | undefined;
}

export interface Dispatcher {
  /** Ships events until stopped; resolves once drained, rejects when the sink refuses our credentials or the source fails. */
  run(): Promise<DispatcherStats>;
  /** Graceful: stops reading, ships and acknowledges what was read (at most drainTimeoutMs), then run() resolves. */
  stop(): void;
  /** Stops now: what is in flight is neither acknowledged nor dead-lettered (a Redis consumer group delivers it again). */
  abort(): void;
  stats(): DispatcherStats;
}

/** The source failed in a way marked fatal (isFatalSourceError): the dispatcher stops. */
export class EventSourceError extends Error {
  override readonly name = 'EventSourceError';
  constructor(operation: SourceOperation, cause: unknown) {
    super(`event source failed while ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A wake-up call between the two loops: wait() resolves at the next wake() or after the timeout. */
function createWakeup() {
  let waiting: (() => void) | undefined;
  return {
    wait(timeoutMs?: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          waiting = undefined;
          resolve();
        }
        waiting = done;
      });
    },
    wake(): void {
      waiting?.();
    },
  };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The dispatcher's loop: one task reads from the source into a bounded read-ahead buffer (the
 * next events are read while a batch is at the sink), another sends batches of it to the sink
 * (when a batch is full or its oldest event has waited flushIntervalMs) and acknowledges each
 * event only after the sink took it, and each batch before the next one is sent: a crash leaves
 * at most one batch that the sink has and the source does not know of. A failed send is
 * retried with exponential backoff and full jitter; after the last retry, or at once when the
 * sink refuses the events for good, they go to the source's dead letter.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { source, sink, batchSize, maxRetries } = options;
  const bufferSize = Math.max(options.bufferSize, batchSize);
  const readWaitMs = options.readWaitMs ?? 500;
  const random = options.random ?? Math.random;
  const notify = options.onNotice ?? (() => undefined);
  const isFatal = options.isFatalSourceError ?? (() => false);
  /** Aborted to stop now: sends in flight and every pause. */
  const halt = new AbortController();
  /** Aborted at stop() too: ends the pause between failed reads. */
  const stopped = new AbortController();
  const senderWake = createWakeup();
  const readerWake = createWakeup();

  // Read and not yet sent: a queue with a moving head (no copying per batch).
  let queue: ReceivedEvent[] = [];
  let head = 0;
  let inFlight = 0;
  /** When the oldest queued event arrived (ms). */
  let oldestAt = 0;
  let stopping = false;
  let readerDone = false;
  let failure: unknown;
  let abandoned = 0;
  let drainTimer: NodeJS.Timeout | undefined;
  let delivered = 0;
  let retried = 0;
  let deadLettered = 0;
  let batches = 0;
  let received = 0;
  const sinkErrors: Record<SinkFailure, number> = { retryable: 0, permanent: 0, refused: 0 };
  /** The batch at the sink: its events are older than the queue's. */
  let sending: readonly ReceivedEvent[] = [];

  const queued = () => queue.length - head;

  function take(count: number): ReceivedEvent[] {
    const batch = queue.slice(head, head + count);
    head += batch.length;
    if (head >= queue.length) {
      queue = [];
      head = 0;
    } else if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return batch;
  }

  function fail(error: unknown): void {
    failure ??= error;
    stopping = true;
    source.stopReading?.();
    halt.abort();
    stopped.abort();
    readerWake.wake();
    senderWake.wake();
  }

  /** A pause before the source is tried again: backoff, but never a spin. */
  const sourcePauseMs = (attempt: number) => Math.max(100, backoffDelayMs(attempt, options.backoff, random));

  /**
   * Runs an acknowledgement or a dead letter, retried up to maxRetries times. False when it
   * failed for good (the events stay pending in the source, which delivers them again) or the
   * dispatcher stopped.
   */
  async function settle(operation: SourceOperation, events: readonly ReceivedEvent[], action: () => Promise<void>): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await action();
        return true;
      } catch (error) {
        if (isFatal(error)) {
          fail(new EventSourceError(operation, error));
          return false;
        }
        const reason = reasonOf(error);
        if (attempt > maxRetries || halt.signal.aborted) {
          notify({ kind: 'source-gave-up', operation, events: events.length, reason });
          return false;
        }
        const delayMs = sourcePauseMs(attempt);
        notify({ kind: 'source-retry', operation, delayMs, reason });
        await pause(delayMs, halt.signal);
      }
    }
  }

  /** The sink took these: counted as delivered whether or not the source could be told. */
  async function ack(events: readonly ReceivedEvent[]): Promise<boolean> {
    delivered += events.length;
    return settle('acknowledging', events, () => source.ack(events));
  }

  async function deadLetter(events: readonly ReceivedEvent[], reason: string): Promise<boolean> {
    if (!(await settle('dead-lettering', events, () => source.deadLetter(events, reason)))) return false;
    deadLettered += events.length;
    notify({ kind: 'dead-letter', events: events.length, reason });
    return true;
  }

  /** Sends one batch until the sink took it, it went to the dead letter, or the dispatcher halts. */
  async function deliver(batch: ReceivedEvent[]): Promise<void> {
    let remaining = batch;
    let attempt = 0;
    while (remaining.length > 0) {
      if (halt.signal.aborted) {
        abandoned += remaining.length;
        return;
      }
      let error: unknown;
      let failed = false;
      try {
        await sink.send(
          remaining.map((received) => received.event),
          halt.signal,
          remaining.map((received) => received.json),
        );
      } catch (caught) {
        error = caught;
        failed = true;
      }
      if (!failed) {
        await ack(remaining);
        batches += 1;
        return;
      }
      const sinkError = error instanceof SinkError ? error : undefined;
      sinkErrors[sinkError?.failure ?? 'retryable'] += 1;
      const taken = Math.min(sinkError?.delivered ?? 0, remaining.length);
      if (taken > 0) {
        await ack(remaining.slice(0, taken));
        remaining = remaining.slice(taken);
      }
      if (halt.signal.aborted) continue; // stopped mid-send: the rest is abandoned, not retried
      if (sinkError?.failure === 'refused') {
        abandoned += remaining.length;
        return fail(sinkError);
      }
      const reason = reasonOf(error);
      if (sinkError?.failure === 'permanent') {
        const refused = remaining.slice(0, sinkError.affected ?? remaining.length);
        if (!(await deadLetter(refused, reason))) abandoned += refused.length;
        remaining = remaining.slice(refused.length);
        attempt = 0;
        continue;
      }
      attempt += 1;
      if (attempt > maxRetries) {
        const given = maxRetries === 0 ? reason : `${reason} (gave up after ${maxRetries} ${maxRetries === 1 ? 'retry' : 'retries'})`;
        if (!(await deadLetter(remaining, given))) abandoned += remaining.length;
        return;
      }
      retried += 1;
      const delayMs = backoffDelayMs(attempt, options.backoff, random);
      notify({ kind: 'retry', attempt, delayMs, events: remaining.length, reason });
      await pause(delayMs, halt.signal);
    }
  }

  async function readLoop(): Promise<void> {
    let failedReads = 0;
    try {
      while (!stopping) {
        const room = bufferSize - queued();
        if (room <= 0) {
          await readerWake.wait();
          continue;
        }
        let events: ReceivedEvent[];
        try {
          events = await source.read(room, readWaitMs);
          failedReads = 0;
        } catch (error) {
          if (isFatal(error)) throw error;
          failedReads += 1;
          const delayMs = sourcePauseMs(failedReads);
          notify({ kind: 'source-retry', operation: 'reading', delayMs, reason: reasonOf(error) });
          await pause(delayMs, stopped.signal);
          continue;
        }
        received += events.length;
        if (events.length === 0) {
          // A source that answers [] at once (closed, or not waiting as it should) must not starve the event loop.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        if (halt.signal.aborted) {
          // Stopped at once while this read was under way: the sender is gone, these are left undelivered.
          abandoned += events.length;
          break;
        }
        if (queued() === 0) oldestAt = Date.now();
        for (const event of events) queue.push(event);
        senderWake.wake();
      }
    } catch (error) {
      fail(new EventSourceError('reading', error));
    } finally {
      readerDone = true;
      senderWake.wake();
    }
  }

  async function sendLoop(): Promise<void> {
    for (;;) {
      if (halt.signal.aborted) {
        abandoned += queued();
        take(queued());
        return;
      }
      if (queued() === 0) {
        if (readerDone) return;
        await senderWake.wait();
        continue;
      }
      if (queued() < batchSize && !stopping) {
        const dueInMs = oldestAt + options.flushIntervalMs - Date.now();
        if (dueInMs > 0) {
          await senderWake.wait(dueInMs);
          continue;
        }
      }
      // Events left behind a full batch are newer than oldestAt: they may go early, never late.
      const batch = take(batchSize);
      inFlight = batch.length;
      sending = batch;
      readerWake.wake(); // room in the read-ahead: the next events are read while this batch is sent
      try {
        await deliver(batch);
      } finally {
        inFlight = 0;
        sending = [];
      }
    }
  }

  let running: Promise<DispatcherStats> | undefined;

  async function run(): Promise<DispatcherStats> {
    try {
      await Promise.all([readLoop(), sendLoop()]);
    } finally {
      clearTimeout(drainTimer);
    }
    if (failure !== undefined) throw failure;
    return stats();
  }

  function oldestPendingEndedAt(): number | undefined {
    const oldest = sending[0] ?? queue[head];
    if (oldest === undefined) return undefined;
    const endedAt = Date.parse(oldest.event.ended_at);
    return Number.isNaN(endedAt) ? undefined : endedAt;
  }

  function stats(): DispatcherStats {
    return {
      received,
      delivered,
      retried,
      deadLettered,
      batches,
      buffered: queued() + inFlight,
      abandoned,
      sinkErrors: { ...sinkErrors },
      oldestPendingEndedAt: oldestPendingEndedAt(),
    };
  }

  return {
    run() {
      running ??= run();
      return running;
    },
    stop() {
      if (stopping) return;
      stopping = true;
      stopped.abort();
      source.stopReading?.();
      drainTimer = setTimeout(() => halt.abort(), options.drainTimeoutMs);
      readerWake.wake();
      senderWake.wake();
    },
    abort() {
      stopping = true;
      source.stopReading?.();
      halt.abort();
      stopped.abort();
      readerWake.wake();
      senderWake.wake();
    },
    stats,
  };
}
