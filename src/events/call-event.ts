import { randomUUID } from 'node:crypto';
import { isoTime } from './iso-time.js';
import { PROXY_EVENT_SCHEMA_VERSION, type BodyExcerpt, type CallRecord, type ProxyEvent } from './proxy-event.js';

/** What a whole event says of a call beyond its CallRecord. */
export interface CallDetails {
  readonly request_id: string;
  readonly model: string | null;
  readonly stream: boolean;
  readonly request_body: BodyExcerpt | null;
  readonly response_body: BodyExcerpt | null;
  readonly aborted: boolean;
  readonly bytes_in?: number;
  readonly bytes_out?: number;
}

/** The event of a call, for consumers of whole events (made only when one is attached). */
export function proxyEventOf(call: CallRecord, details: CallDetails): ProxyEvent {
  return {
    schema_version: PROXY_EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    request_id: details.request_id,
    started_at: isoTime(call.started_ms),
    ended_at: isoTime(call.started_ms + call.duration_ms),
    duration_ms: call.duration_ms,
    upstream_ms: call.upstream_ms,
    method: call.method,
    path: call.path,
    status: call.status,
    project_id: call.project_id,
    token_id: call.token_id,
    model: details.model,
    stream: details.stream,
    cache_status: call.cache_status,
    usage: call.usage,
    request_body: details.request_body,
    response_body: details.response_body,
    error_code: call.error_code,
    aborted: details.aborted,
    ...(details.bytes_in !== undefined && { bytes_in: details.bytes_in }),
    ...(details.bytes_out !== undefined && { bytes_out: details.bytes_out }),
  };
}
