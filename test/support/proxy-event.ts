import { MISSING_USAGE, proxyEventOf, type CallRecord, type ProxyEvent } from '../../src/events/index.js';

let sequence = 0;

/** What the recorders (usage ledger, metrics) receive of a call: a successful chat completion call. */
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

/** A v1 event of sampleCall's call (ended 2026-01-02T03:04:06.789Z), with a unique event and request id. */
export function sampleEvent(overrides: Partial<ProxyEvent> = {}): ProxyEvent {
  sequence += 1;
  const event = proxyEventOf(sampleCall(), {
    request_id: `req-${sequence}`,
    model: 'gpt-4o-mini',
    stream: false,
    request_body: null,
    response_body: null,
    aborted: false,
  });
  return { ...event, ...overrides };
}
