export { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type BodyExcerpt, type EventUsage, type ProxyEvent, type UsageSource } from './proxy-event.js';
export type { EventSource, ReceivedEvent } from './event-source.js';
export { createInMemoryEventBus, type EventBus, type EventBusStats, type EventHandler } from './in-memory-bus.js';
export { openFileEventLog, type FileEventLog } from './file-event-log.js';
export { openEventBus, type EventBusLog, type OpenEventBusOptions } from './open-event-bus.js';
export { RedisUnreachableError } from './redis-connection.js';
export { redisStreamsOptions, type ProcessIdentity, type RedisStreamsOptions } from './redis-streams-options.js';
export { createRedisStreamsPublisher, type RemotePublisher, type RemotePublisherStats } from './redis-streams-publisher.js';
export { createRedisStreamsSource, type RedisStreamsSourceTuning } from './redis-streams-source.js';
