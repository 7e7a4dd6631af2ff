import { randomUUID } from 'node:crypto';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type EventBus } from '../events/index.js';
import { unixMicros } from './clock.js';
import type { ProxyStage } from './stage.js';

/** Publishes one event per exchange on the bus, once the response is over (nothing when nobody listens). */
export function eventStage(events: EventBus): ProxyStage {
  return {
    name: 'events',
    complete(exchange) {
      if (!events.hasSubscribers) return;
      const endedMicros = unixMicros();
      events.publish({
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
        model: null,
        stream: false,
        cache_status: exchange.cacheStatus,
        usage: MISSING_USAGE,
        request_body: null,
        response_body: null,
        error_code: exchange.errorCode,
        aborted: exchange.aborted,
      });
    },
  };
}
