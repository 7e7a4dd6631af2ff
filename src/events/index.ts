export { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type BodyExcerpt, type EventUsage, type ProxyEvent, type UsageSource } from './proxy-event.js';
export type { EventSource, ReceivedEvent } from './event-source.js';
export { createInMemoryEventBus, type EventBus, type EventBusStats, type EventHandler } from './in-memory-bus.js';
export { openFileEventLog, type FileEventLog } from './file-event-log.js';
