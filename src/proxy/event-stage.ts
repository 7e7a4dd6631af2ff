import type { EventBus } from '../events/index.js';
import { unixMicros } from './clock.js';
import type { ProxyStage } from './stage.js';

/** Publishes one event per exchange on the bus, once the response is over (nothing when nobody listens). */
export function eventStage(events: EventBus): ProxyStage {
  return {
    name: 'events',
    complete(exchange) {
      if (!events.hasSubscribers) return;
      events.publish({
        request_id: exchange.requestId,
        method: exchange.method,
        path: exchange.path,
        status: exchange.status,
        started_at: new Date(exchange.startedMicros / 1000).toISOString(),
        duration_ms: (unixMicros() - exchange.startedMicros) / 1000,
        upstream_ms: exchange.upstreamMs,
        project_id: exchange.admission?.projectId ?? null,
        token_id: exchange.admission?.tokenId ?? null,
        error_code: exchange.errorCode,
        aborted: exchange.aborted,
      });
    },
  };
}
