export type { ProxyEvent } from './proxy-event.js';
export { createInMemoryEventBus, type EventBus, type EventBusStats, type EventHandler } from './in-memory-bus.js';
