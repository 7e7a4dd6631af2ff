import { randomUUID } from 'node:crypto';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type CallRecord, type ProxyEvent } from '../../src/events/index.js';

let sequence = 0;

/** A v1 event with defaults (a successful chat completion call) and a unique event and request id. */
export function sampleEvent(overrides: Partial<ProxyEvent> = {}): ProxyEvent {
  sequence += 1;
  return {
    schema_version: PROXY_EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    request_id: `req-${sequence}`,
    started_at: '2026-01-02T03:04:05.678Z',
    ended_at: '2026-01-02T03:04:06.789Z',
    duration_ms: 1111.2,
    upstream_ms: 1000.5,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    project_id: 'project-1',
    token_id: 'token-1',
    model: 'gpt-4o-mini',
    stream: false,
    cache_status: null,
    usage: MISSING_USAGE,
    request_body: null,
    response_body: null,
    error_code: null,
    aborted: false,
    ...overrides,
  };
}

/** What the recorders (usage ledger, metrics) receive of a call, with the defaults of sampleEvent. */
export function sampleCall(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    started_ms: Date.parse('2026-01-02T03:04:05.678Z'),
    duration_ms: 1111.2,
    upstream_ms: 1000.5,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    project_id: 'project-1',
    token_id: 'token-1',
    cache_status: null,
    usage: MISSING_USAGE,
    error_code: null,
    ...overrides,
  };
}
