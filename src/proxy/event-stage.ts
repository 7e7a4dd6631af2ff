import { randomUUID } from 'node:crypto';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type BodyExcerpt, type EventBus, type EventUsage, type ProxyEvent } from '../events/index.js';
import { NO_FACTS, UsageMeter, createInjectedUsageStripper, requestFacts, withIncludeUsage, type RequestFacts } from '../usage/index.js';
import { unixMicros } from './clock.js';
import type { Exchange } from './exchange.js';
import type { ProxyStage } from './stage.js';

/** Takes every event in the process that records it, synchronously (the usage ledger); must not throw. */
export type EventRecorder = (event: ProxyEvent) => void;

export interface EventStageOptions {
  readonly bus: EventBus;
  readonly recorders?: readonly EventRecorder[];
  /** USAGE_INJECT_STREAM_OPTIONS: ask for usage in chat streams whose client did not, and hide it from them. */
  readonly injectStreamUsage: boolean;
  /** OBSERVABILITY_MAX_REQUEST_BODY_BYTES / _RESPONSE_BODY_BYTES; 0 records no excerpt. */
  readonly requestExcerptBytes: number;
  readonly responseExcerptBytes: number;
  /** Makes excerpt text safe to record. */
  readonly redact: (text: string) => string;
  /** An estimate that failed (the tokenizer could not load): the event goes out with usage missing. */
  readonly onError?: (error: unknown) => void;
}

/** Endpoints whose streams carry usage when asked with stream_options.include_usage. */
const INCLUDE_USAGE_PATHS = new Set(['/v1/chat/completions', '/v1/completions']);
/** JSON bodies larger than this are streamed upstream unread: their model and stream flag stay unknown. */
const MAX_READ_BODY_BYTES = 32 * 1024 * 1024;

interface Metering {
  readonly facts: RequestFacts;
  /** The body as the client sent it (before include_usage was added). */
  readonly clientBody: Buffer | undefined;
  readonly meter: UsageMeter | undefined;
}

function isJson(exchange: Exchange): boolean {
  return exchange.req.headers['content-type']?.toLowerCase().includes('json') === true;
}

function isTextual(exchange: Exchange): boolean {
  const type = exchange.req.headers['content-type']?.toLowerCase() ?? '';
  return type === '' || type.includes('json') || type.startsWith('text/') || type.includes('x-www-form-urlencoded');
}

/**
 * Builds one event per exchange once the response is over, hands it to the in-process recorders
 * and publishes it on the bus. On the way it meters the call's token usage: it reads the model
 * and stream flag of JSON requests, asks chat streams for their usage when the client did not
 * (and strips it from what that client receives), and taps the answer for the provider's usage
 * (src/usage). Nothing is built or tapped when neither the bus nor a recorder wants events.
 */
export function eventStage(options: EventStageOptions): ProxyStage {
  const { bus, injectStreamUsage, requestExcerptBytes, responseExcerptBytes, redact } = options;
  const recorders = options.recorders ?? [];
  const METERING = Symbol('metering');
  const wanted = () => bus.hasSubscribers || recorders.length > 0;

  function deliver(event: ProxyEvent): void {
    for (const record of recorders) record(event);
    if (bus.hasSubscribers) bus.publish(event);
  }

  function requestExcerpt(exchange: Exchange, body: Buffer | undefined): BodyExcerpt | null {
    if (requestExcerptBytes === 0 || exchange.method === 'GET' || exchange.method === 'HEAD') return null;
    if (body === undefined) {
      const length = Number(exchange.req.headers['content-length'] ?? NaN);
      return Number.isFinite(length) && length === 0 ? null : { text: '', truncated: true, bytes: Number.isFinite(length) ? length : null };
    }
    if (body.length === 0) return null;
    const text = isTextual(exchange) ? redact(body.subarray(0, requestExcerptBytes).toString('utf8')) : '';
    return { text, truncated: body.length > requestExcerptBytes || text === '', bytes: body.length };
  }

  return {
    name: 'events',
    needsBody(exchange) {
      if (!wanted() || exchange.method !== 'POST' || !isJson(exchange)) return false;
      const length = Number(exchange.req.headers['content-length'] ?? NaN);
      return length <= MAX_READ_BODY_BYTES;
    },
    beforeUpstream(exchange) {
      if (!wanted()) return;
      const clientBody = exchange.requestBody;
      const facts = exchange.method === 'POST' ? requestFacts(clientBody) : NO_FACTS;
      const metered = exchange.method === 'POST' || responseExcerptBytes > 0;
      const meter = metered ? new UsageMeter(facts, { excerptBytes: responseExcerptBytes, redact }) : undefined;
      exchange.setSlot(METERING, { facts, clientBody, meter } satisfies Metering);
      if (meter !== undefined) {
        exchange.addTap({
          headers: (status, headers) => meter.headers(status, headers),
          chunk: (chunk) => meter.chunk(chunk),
          end: (complete) => meter.end(complete),
        });
      }
      if (injectStreamUsage && facts.stream && !facts.includeUsage && clientBody !== undefined && exchange.responseTransform === undefined && INCLUDE_USAGE_PATHS.has(exchange.path)) {
        exchange.requestBody = withIncludeUsage(clientBody, facts);
        exchange.responseTransform = (status, headers) =>
          headers['content-type']?.includes('text/event-stream') === true && (headers['content-encoding'] ?? 'identity') === 'identity'
            ? createInjectedUsageStripper()
            : undefined;
      }
    },
    complete(exchange) {
      if (!wanted()) return;
      const endedMicros = unixMicros();
      const metering = exchange.slot<Metering>(METERING);
      // A cache hit never reached beforeUpstream: its body (held for the cache key) still names the model.
      const facts = metering?.facts ?? (exchange.method === 'POST' ? requestFacts(exchange.requestBody) : NO_FACTS);
      const answer = metering?.meter?.finish(exchange.aborted);
      const event: ProxyEvent = {
        schema_version: PROXY_EVENT_SCHEMA_VERSION,
        event_id: randomUUID(),
        request_id: exchange.requestId,
        started_at: new Date(exchange.startedMicros / 1000).toISOString(),
        ended_at: new Date(endedMicros / 1000).toISOString(),
        duration_ms: (endedMicros - exchange.startedMicros) / 1000,
        upstream_ms: exchange.upstreamMs,
        method: exchange.method,
        path: exchange.path,
        status: exchange.status,
        project_id: exchange.admission?.projectId ?? null,
        token_id: exchange.admission?.tokenId ?? null,
        model: answer?.model ?? facts.model,
        stream: facts.stream,
        cache_status: exchange.cacheStatus,
        usage: MISSING_USAGE,
        request_body: requestExcerpt(exchange, metering === undefined ? exchange.requestBody : metering.clientBody),
        response_body: answer?.responseExcerpt ?? null,
        error_code: exchange.errorCode,
        aborted: exchange.aborted,
      };
      const usage = answer?.usage;
      if (usage === undefined) deliver(event);
      else if (!(usage instanceof Promise)) deliver({ ...event, usage });
      else
        usage.then(
          (estimated: EventUsage) => deliver({ ...event, usage: estimated }),
          (error: unknown) => {
            options.onError?.(error);
            deliver(event);
          },
        );
    },
  };
}
