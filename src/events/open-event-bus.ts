import type { EventsConfig } from '../config/index.js';
import { createInMemoryEventBus, type EventBus } from './in-memory-bus.js';
import { createRedisStreamsPublisher, type RemotePublisher } from './redis-streams-publisher.js';
import { redisStreamsOptions } from './redis-streams-options.js';
import { WARN_EVERY_MS } from '../throttled-warning.js'; // Redis trouble repeats on every reconnect attempt

/** The slice of a pino logger the bus uses. */
export interface EventBusLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface OpenEventBusOptions {
  readonly log: EventBusLog;
  /** How long closing waits for buffered events to reach Redis. Default 2 s. */
  readonly closeTimeoutMs?: number;
}

/** In-process subscribers as with the in-memory bus, and every event also sent to Redis. */
function withRemotePublisher(local: EventBus, remote: RemotePublisher, options: OpenEventBusOptions): EventBus {
  return {
    publish(event) {
      local.publish(event);
      remote.publish(event);
    },
    subscribe: (handler) => local.subscribe(handler),
    hasSubscribers: true,
    stats: () => ({ ...local.stats(), remote: remote.stats() }),
    async close() {
      await local.close();
      const { unsent } = await remote.close(options.closeTimeoutMs ?? 2000);
      if (unsent > 0) options.log.warn({ unsent }, 'events not sent to Redis before shutdown are lost');
    },
  };
}

/**
 * The event bus the configuration asks for. `in-memory`: events reach in-process subscribers only.
 * `redis-streams`: they also go to the Redis stream that dispatchers read; this connects first and
 * rejects with RedisUnreachableError (naming the address, never the password) when Redis cannot be
 * reached: the server then exits 1. Redis lost later costs requests nothing: events wait in memory.
 */
export async function openEventBus(settings: EventsConfig, options: OpenEventBusOptions): Promise<EventBus> {
  const local = createInMemoryEventBus({
    bufferSize: settings.bufferSize,
    onHandlerError: (err) => options.log.error({ err }, 'event subscriber failed'),
  });
  if (settings.backend === 'in-memory') return local;
  const { address } = settings.redisStreams;
  let lastWarningAt = 0;
  let publisher: RemotePublisher | undefined = undefined;
  const warn = (message: string, err?: Error) => {
    const now = Date.now();
    // Before the start succeeded, the start's own error says it all.
    if (publisher === undefined || now - lastWarningAt < WARN_EVERY_MS) return;
    lastWarningAt = now;
    const { buffered, dropped } = publisher.stats();
    options.log.warn({ err, buffered, dropped }, message);
  };
  publisher = await createRedisStreamsPublisher(redisStreamsOptions(settings.redisStreams), {
    bufferSize: settings.bufferSize,
    onError: (err) => warn(`event bus: Redis at ${address} failed; events wait in memory (at most ${settings.bufferSize}, then dropped)`, err),
    onDropped: () => warn(`event bus: events dropped, the buffer for Redis at ${address} is full (OBSERVABILITY_BUFFER_SIZE=${settings.bufferSize})`),
  });
  return withRemotePublisher(local, publisher, options);
}
