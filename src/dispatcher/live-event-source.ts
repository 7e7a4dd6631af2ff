import type { EventSource, ProxyEvent, ReceivedEvent } from '../events/index.js';
import { ManageApiError, type ManageEventStream } from '../manage-client/index.js';
import { backoffDelayMs, pause, type BackoffPolicy } from './backoff.js';
import type { DeadLetterWriter } from './dead-letter-file.js';

export interface LiveEventSourceOptions {
  /** Opens the server's stream (the management client's openEventStream). */
  readonly open: () => Promise<ManageEventStream>;
  /** For messages: the server's URL. */
  readonly description: string;
  /** Events received and not yet read by the dispatcher, at most; when full, the socket is not read. */
  readonly bufferSize: number;
  /** Where dead letters go; without one they are dropped (the dispatcher counts them). */
  readonly deadLetter?: DeadLetterWriter;
  /** Delays between reconnection attempts. Default 1 s, doubling up to 30 s, with jitter. */
  readonly reconnect?: BackoffPolicy;
  /** Nothing for this long while reading (the server sends a keep-alive every 15 s): the connection is dead. Default 45 s. */
  readonly idleTimeoutMs?: number;
  /** Lost and regained connections, for messages. */
  readonly onNotice?: (message: string) => void;
}

export interface LiveEventSource extends EventSource {
  /** Events the server dropped because this dispatcher read too slowly (as the server reported them). */
  serverDropped(): number;
}

const DROPPED_COMMENT = /^dropped (\d+)/;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The live stream of a running server (`GET /manage/events`) as an EventSource. What the server
 * publishes while no dispatcher is connected is lost, and so is what a dispatcher holds when it
 * stops at once: there is nothing to acknowledge to (ack is a no-op). The connection is retried
 * for as long as the dispatcher runs, except when the server refuses the management token.
 * The first connection is made here: its failure (unreachable, 401) is the caller's to report.
 */
export async function connectLiveEventSource(options: LiveEventSourceOptions): Promise<LiveEventSource> {
  const reconnectPolicy = options.reconnect ?? { baseMs: 1000, maxMs: 30_000 };
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const notify = options.onNotice ?? (() => undefined);
  const closing = new AbortController();
  let stream: ManageEventStream | undefined = await options.open();
  let queue: ReceivedEvent[] = [];
  let fatal: unknown;
  let droppedOnEarlierConnections = 0;
  let droppedOnThisConnection = 0;
  let waitingOnSocketSince: number | undefined;
  let arrived: (() => void) | undefined;
  let spaceFreed: (() => void) | undefined;

  const watchdog = setInterval(() => {
    if (waitingOnSocketSince !== undefined && Date.now() - waitingOnSocketSince > idleTimeoutMs) stream?.close();
  }, Math.max(10, Math.floor(idleTimeoutMs / 3)));
  watchdog.unref();

  async function reconnect(): Promise<ManageEventStream | undefined> {
    droppedOnEarlierConnections += droppedOnThisConnection;
    droppedOnThisConnection = 0;
    notify(`lost the live event stream of ${options.description}; reconnecting (events published meanwhile are lost)`);
    for (let attempt = 1; !closing.signal.aborted; attempt += 1) {
      await pause(backoffDelayMs(attempt, reconnectPolicy) + 100, closing.signal);
      if (closing.signal.aborted) return undefined;
      try {
        const reopened = await options.open();
        notify(`reconnected to the live event stream of ${options.description}`);
        return reopened;
      } catch (error) {
        if (error instanceof ManageApiError && (error.status === 401 || error.status === 403)) {
          fatal = error;
          return undefined;
        }
        if (attempt === 1 || attempt % 10 === 0) notify(`still cannot reach ${options.description} (${reasonOf(error)}); retrying`);
      }
    }
    return undefined;
  }

  function accept(data: string): void {
    let event: ProxyEvent;
    try {
      event = JSON.parse(data) as ProxyEvent;
    } catch {
      return; // not an event of ours: nothing to deliver
    }
    queue.push({ deliveryId: event.event_id, event });
    arrived?.();
  }

  async function pump(): Promise<void> {
    while (!closing.signal.aborted && stream !== undefined) {
      if (queue.length >= options.bufferSize) {
        await new Promise<void>((resolve) => (spaceFreed = resolve));
        continue;
      }
      waitingOnSocketSince = Date.now();
      const item = await stream.next();
      waitingOnSocketSince = undefined;
      if (item === undefined) {
        if (closing.signal.aborted) break;
        stream = await reconnect();
        continue;
      }
      if (item.kind === 'comment') {
        const dropped = DROPPED_COMMENT.exec(item.text);
        if (dropped) droppedOnThisConnection = Number(dropped[1]);
      } else if (item.event === 'proxy_event') {
        accept(item.data);
      }
    }
    arrived?.(); // a reader waiting for events learns of the end (or the refusal)
  }
  const pumping = pump();

  return {
    description: `live stream of ${options.description}`,
    async read(max, waitMs) {
      if (queue.length === 0 && fatal === undefined && !closing.signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitMs);
          function done() {
            clearTimeout(timer);
            arrived = undefined;
            resolve();
          }
          arrived = done;
        });
      }
      if (fatal !== undefined) throw fatal;
      const batch = queue.length <= max ? queue : queue.slice(0, max);
      queue = queue.length <= max ? [] : queue.slice(max);
      spaceFreed?.();
      spaceFreed = undefined;
      return batch;
    },
    // Nothing to acknowledge to: the server does not keep what it sent.
    ack: async () => undefined,
    async deadLetter(events, reason) {
      await options.deadLetter?.write(events, reason);
    },
    lag: async () => undefined,
    serverDropped: () => droppedOnEarlierConnections + droppedOnThisConnection,
    async close() {
      closing.abort();
      clearInterval(watchdog);
      stream?.close();
      spaceFreed?.();
      await pumping;
      await options.deadLetter?.close();
    },
  };
}
