export { createSink, type SinkSpec } from './create-sink.js';
export { eventJson } from './event-json.js';
export { createFileSink, eventLines } from './file-sink.js';
export { HELICONE_ENDPOINT, createHeliconeSink } from './helicone-sink.js';
export { LUNARY_ENDPOINT, createLunarySink, type ApiKeySinkOptions } from './lunary-sink.js';
export { SIGNATURE_HEADER, batchIdempotencyKey, createWebhookSink, webhookSignature, type WebhookSinkOptions } from './webhook-sink.js';
