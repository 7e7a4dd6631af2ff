// The dispatcher: reads proxy events from an EventSource (Redis Streams, or a server's live
// stream) and ships them in batches to a sink (a file, Lunary, Helicone, a webhook). No printing.
export { backoffDelayMs, type BackoffPolicy } from './backoff.js';
export {
  EventSourceError,
  createDispatcher,
  type Dispatcher,
  type DispatcherNotice,
  type DispatcherOptions,
  type DispatcherStats,
  type SourceOperation,
} from './dispatcher.js';
export { openDeadLetterFile, type DeadLetterWriter } from './dead-letter-file.js';
export { connectLiveEventSource, type LiveEventSource, type LiveEventSourceOptions } from './live-event-source.js';
export { createRateMeter, type RateMeter } from './rate-meter.js';
export { SinkError, SinkUnreachableError, type Sink, type SinkFailure } from './sink.js';
export * from './sinks/index.js';
export { excerptJson } from './payload/body-json.js';
export { heliconeLog } from './payload/helicone-log.js';
export { isRunEvent, runPayload, type RunPayload } from './payload/run-payload.js';
export { mergeEventStream } from './payload/stream-merge.js';
