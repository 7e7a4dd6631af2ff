import { MISSING_USAGE, type BodyExcerpt, type CallRecord, type EventBus, type EventUsage } from '../events/index.js';
import { NO_FACTS, UsageMeter, createInjectedUsageStripper, requestFacts, withIncludeUsage, type MeteredAnswer, type RequestFacts } from '../usage/index.js';
import { createCallDelivery, type EventRecorder } from './call-delivery.js';
import { unixMicros } from './clock.js';
import type { Exchange } from './exchange.js';
import type { ProxyStage } from './stage.js';

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
  const { injectStreamUsage, requestExcerptBytes, responseExcerptBytes, redact } = options;
  const calls = createCallDelivery(options.bus, options.recorders);
  const METERING = Symbol('metering');

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

  function deliver(exchange: Exchange, endedMicros: number, usage: EventUsage, answer: MeteredAnswer | undefined): void {
    const call: CallRecord = {
      started_ms: exchange.startedMicros / 1000,
      duration_ms: (endedMicros - exchange.startedMicros) / 1000,
      upstream_ms: exchange.upstreamMs,
      method: exchange.method,
      path: exchange.path,
      status: exchange.status,
      project_id: exchange.admission?.projectId ?? null,
      token_id: exchange.admission?.tokenId ?? null,
      cache_status: exchange.cacheStatus,
      usage,
      error_code: exchange.errorCode,
    };
    calls.deliver(call, () => {
      const metering = exchange.slot<Metering>(METERING);
      // A cache hit never reached beforeUpstream: its body (held for the cache key) still names the model.
      const facts = metering?.facts ?? (exchange.method === 'POST' ? requestFacts(exchange.requestBody) : NO_FACTS);
      return {
        request_id: exchange.requestId,
        model: facts.model ?? answer?.model ?? null,
        stream: facts.stream,
        request_body: requestExcerpt(exchange, metering === undefined ? exchange.requestBody : metering.clientBody),
        response_body: answer?.responseExcerpt ?? null,
        aborted: exchange.aborted,
      };
    });
  }

  return {
    name: 'events',
    needsBody(exchange) {
      if (!calls.wanted() || exchange.method !== 'POST' || !isJson(exchange)) return false;
      const length = Number(exchange.req.headers['content-length'] ?? NaN);
      return length <= MAX_READ_BODY_BYTES;
    },
    beforeUpstream(exchange) {
      if (!calls.wanted()) return;
      const clientBody = exchange.requestBody;
      const facts = exchange.method === 'POST' ? requestFacts(clientBody) : NO_FACTS;
      // Excerpts are for consumers of whole events (a file, the live stream, Redis), not for the recorders.
      const excerptBytes = calls.wantsEvents() ? responseExcerptBytes : 0;
      const meter = exchange.method === 'POST' || excerptBytes > 0 ? new UsageMeter(facts, { excerptBytes, redact }) : undefined;
      exchange.setSlot(METERING, { facts, clientBody, meter } satisfies Metering);
      if (meter !== undefined) exchange.addTap(meter);
      if (injectStreamUsage && facts.stream && !facts.includeUsage && clientBody !== undefined && exchange.responseTransform === undefined && INCLUDE_USAGE_PATHS.has(exchange.path)) {
        exchange.requestBody = withIncludeUsage(clientBody, facts);
        exchange.responseTransform = (status, headers) =>
          headers['content-type']?.includes('text/event-stream') === true && (headers['content-encoding'] ?? 'identity') === 'identity'
            ? createInjectedUsageStripper()
            : undefined;
      }
    },
    complete(exchange) {
      if (!calls.wanted()) return;
      const endedMicros = unixMicros();
      const answer = exchange.slot<Metering>(METERING)?.meter?.finish(exchange.aborted);
      const usage = answer?.usage ?? MISSING_USAGE;
      if (!(usage instanceof Promise)) deliver(exchange, endedMicros, usage, answer);
      else
        usage.then(
          (estimated) => deliver(exchange, endedMicros, estimated, answer),
          (error: unknown) => {
            options.onError?.(error);
            deliver(exchange, endedMicros, MISSING_USAGE, answer);
          },
        );
    },
  };
}
