/**
 * What the metrics recorder costs per proxied call: it runs synchronously for every event, as the
 * data path completes a call. Records a million events of a few shapes, five times each, and
 * prints the median time per event; then the time of one scrape.
 *
 *   npx tsx bench/metrics-recorder.ts
 *
 * Not a test: nothing here fails on timings.
 */
import { MISSING_USAGE, type CallRecord } from '../src/events/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { OPENAI_ENDPOINTS } from '../src/proxy/index.js';

const EVENTS_PER_ROUND = 1_000_000;
const ROUNDS = 5;

const chat: CallRecord = {
  started_ms: Date.parse('2026-01-01T00:00:00.000Z'),
  duration_ms: 812.5,
  upstream_ms: 120.25,
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  project_id: '40684ac3-afac-4e1f-ab1e-b8154aff9649',
  token_id: '0196f5a4-8f3c-7a1e-9d2b-3c4d5e6f7a8b',
  cache_status: 'bypass',
  usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, cached_tokens: 64, reasoning_tokens: 0, source: 'provider' },
  error_code: null,
};

const shapes: Record<string, readonly CallRecord[]> = {
  'chat, 200, with usage': [chat],
  'id in the path, 404, no usage': [{ ...chat, path: '/v1/files/file-abc123/content', status: 404, usage: MISSING_USAGE, cache_status: 'miss' }],
  'refused 401, never upstream': [{ ...chat, status: 401, upstream_ms: null, usage: MISSING_USAGE, project_id: null, token_id: null, cache_status: null, error_code: 'token_not_found' }],
  '8 projects, 4 routes, 3 status classes': Array.from({ length: 32 }, (_, i) => ({
    ...chat,
    project_id: `project-${i % 8}`,
    path: ['/v1/chat/completions', '/v1/embeddings', `/v1/models/gpt-${i}`, '/v1/responses'][i % 4] as string,
    status: [200, 200, 429, 500][i % 4] as number,
  })),
};

const metrics = createMetrics({
  allowedEndpoints: OPENAI_ENDPOINTS,
  events: { stats: () => ({ published: 0, delivered: 0, dropped: 0 }) },
  cache: undefined,
  audit: { stats: () => ({ records: 0, fileDropped: 0, databaseDropped: 0, databaseWriteFailures: 0 }) },
});

for (const [name, events] of Object.entries(shapes)) {
  for (let i = 0; i < 200_000; i++) metrics.record(events[i % events.length] as CallRecord); // warm-up
  const perEventNs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < EVENTS_PER_ROUND; i++) metrics.record(events[i % events.length] as CallRecord);
    perEventNs.push(Number(process.hrtime.bigint() - start) / EVENTS_PER_ROUND);
  }
  perEventNs.sort((a, b) => a - b);
  console.log(`${name}: ${perEventNs[Math.floor(ROUNDS / 2)]?.toFixed(0)} ns per event (median of ${ROUNDS} rounds; ${perEventNs[0]?.toFixed(0)}–${perEventNs.at(-1)?.toFixed(0)})`);
}

const start = process.hrtime.bigint();
const text = await metrics.render();
console.log(`one scrape: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms, ${text.length} bytes`);
