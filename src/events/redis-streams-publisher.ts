import type { Redis } from 'ioredis';
import type { ProxyEvent } from './proxy-event.js';
import { connectRedis, errorMessage } from './redis-connection.js';
import type { RedisStreamsOptions } from './redis-streams-options.js';

export interface RemotePublisherStats {
  readonly transport: 'redis-streams';
  /** Entries Redis acknowledged (XADD answered with an id). */
  readonly sent: number;
  /** Events held in memory, not yet sent (Redis away, or the next flush). */
  readonly buffered: number;
  /** Events never sent: the buffer was full, Redis refused the entry, or shutdown came first. */
  readonly dropped: number;
  /** Flushes that failed (connection lost, timeout); their events stay buffered and are sent again. */
  readonly failedAttempts: number;
}

/** Sends events to another process; publishing never blocks and never throws. */
export interface RemotePublisher {
  publish(event: ProxyEvent): void;
  stats(): RemotePublisherStats;
  /** Sends what is buffered (at most `timeoutMs`), then disconnects; what is left is counted as dropped. */
  close(timeoutMs: number): Promise<{ readonly unsent: number }>;
}

export interface RedisStreamsPublisherOptions {
  /** Events held while Redis is away or slow (OBSERVABILITY_BUFFER_SIZE); more are dropped and counted. */
  readonly bufferSize: number;
  /** Connection trouble and failed flushes (often: every reconnect attempt; throttle before logging). */
  readonly onError?: (error: Error) => void;
  /** An event found the buffer full (called for each: throttle before logging). */
  readonly onDropped?: () => void;
}

/** Entries per pipeline: bounds one flush's size while a burst is still sent in a few round trips. */
const MAX_PIPELINE = 1000;
/** A flush that failed while the connection still looks up is tried again after this. */
const RETRY_MS = 1000;

/**
 * Publishes events as `XADD <stream> MAXLEN ~ <n> * data <event JSON>`. `publish` only queues
 * (bounded); once per event-loop turn the queue goes to Redis as one pipeline. While Redis is away
 * the events wait in the queue and go out when it is back (the client reconnects by itself);
 * requests never wait for Redis. Resolves once connected; rejects with RedisUnreachableError.
 */
export async function createRedisStreamsPublisher(options: RedisStreamsOptions, settings: RedisStreamsPublisherOptions): Promise<RemotePublisher> {
  const client: Redis = await connectRedis(options, {
    purpose: 'LLM_PROXY_EVENT_BUS=redis-streams',
    hint: 'start Redis, check REDIS_ADDR/REDIS_DB/REDIS_PASSWORD, or set LLM_PROXY_EVENT_BUS=in-memory',
    offlineQueue: false,
    commandTimeoutMs: 5000,
    onError: settings.onError,
  });
  const trim: (string | number)[] = options.maxLen > 0 ? ['MAXLEN', '~', options.maxLen] : [];

  /** Event JSON, oldest first; the first `inFlight` entries are being sent. */
  let queue: string[] = [];
  let inFlight = 0;
  let flushScheduled = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let sent = 0;
  let dropped = 0;
  let failedAttempts = 0;
  let onIdle: (() => void) | undefined;

  function schedule(): void {
    if (flushScheduled || inFlight > 0 || queue.length === 0) return;
    flushScheduled = true;
    setImmediate(() => void flush());
  }

  async function flush(): Promise<void> {
    flushScheduled = false;
    // Not connected: the 'ready' event schedules the next flush.
    if (client.status !== 'ready' || queue.length === 0) return;
    const batch = queue.slice(0, MAX_PIPELINE);
    inFlight = batch.length;
    const pipeline = client.pipeline();
    for (const data of batch) pipeline.xadd(options.streamKey, ...trim, '*', 'data', data);
    let results: [Error | null, unknown][] | null = null;
    let failure: Error | undefined;
    try {
      results = await pipeline.exec();
    } catch (error) {
      failure = error instanceof Error ? error : new Error(errorMessage(error));
    }
    const retry: string[] = [];
    let refused: Error | undefined;
    batch.forEach((data, index) => {
      const error = results?.[index]?.[0] ?? failure ?? (results === null ? new Error('no answer') : null);
      if (error === null) sent += 1;
      else if (error.name === 'ReplyError') {
        // Redis answered and refused this entry (e.g. the key holds another type): sending it again would not help.
        dropped += 1;
        refused = error;
      } else retry.push(data);
    });
    queue = retry.length > 0 ? retry.concat(queue.slice(batch.length)) : queue.slice(batch.length);
    inFlight = 0;
    if (refused !== undefined) settings.onError?.(new Error(`Redis refused events for stream ${options.streamKey}: ${refused.message}`));
    if (retry.length > 0) {
      failedAttempts += 1;
      settings.onError?.(new Error(`sending ${retry.length} events to Redis at ${options.address} failed: ${(failure ?? firstError(results))?.message ?? 'unknown error'}`));
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined;
        schedule();
      }, RETRY_MS);
      retryTimer.unref();
    } else schedule();
    if (queue.length === 0 || (closed && retry.length > 0)) onIdle?.();
  }

  client.on('ready', schedule);

  return {
    publish(event) {
      if (closed || queue.length >= settings.bufferSize) {
        dropped += 1;
        settings.onDropped?.();
        return;
      }
      queue.push(JSON.stringify(event));
      schedule();
    },
    stats: () => ({ transport: 'redis-streams', sent, buffered: queue.length, dropped, failedAttempts }),
    async close(timeoutMs) {
      closed = true;
      if (queue.length > 0 && client.status === 'ready') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
          schedule();
        });
      }
      clearTimeout(retryTimer);
      client.disconnect();
      const unsent = queue.length;
      dropped += unsent;
      queue = [];
      return { unsent };
    },
  };
}

function firstError(results: [Error | null, unknown][] | null): Error | undefined {
  return results?.find(([error]) => error !== null)?.[0] ?? undefined;
}
