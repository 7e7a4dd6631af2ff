import { randomUUID } from 'node:crypto';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type EventBus, type ProxyEvent } from '../events/index.js';
import { unixMicros } from './clock.js';
import type { ProxyStage } from './stage.js';

/** Takes every event in the process that records it, synchronously (the usage ledger); must not throw. */
export type EventRecorder = (event: ProxyEvent) => void;

/**
 * Builds one event per exchange once the response is over, hands it to the in-process recorders
 * and publishes it on the bus (nothing is built when neither wants it).
 */
export function eventStage(events: EventBus, recorders: readonly EventRecorder[] = []): ProxyStage {
  return {
    name: 'events',
    complete(exchange) {
      if (!events.hasSubscribers && recorders.length === 0) return;
      const endedMicros = unixMicros();
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
        model: null,
        stream: false,
        cache_status: exchange.cacheStatus,
        usage: MISSING_USAGE,
        request_body: null,
        response_body: null,
        error_code: exchange.errorCode,
        aborted: exchange.aborted,
      };
      for (const record of recorders) record(event);
      if (events.hasSubscribers) events.publish(event);
    },
  };
}
