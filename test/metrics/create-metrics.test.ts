import { describe, expect, it } from 'vitest';
import { MISSING_USAGE, type CallRecord, type EventBusStats, type EventUsage } from '../../src/events/index.js';
import { createMetrics, type MetricsSources } from '../../src/metrics/index.js';
import { OPENAI_ENDPOINTS } from '../../src/proxy/index.js';
import { parseExposition } from '../support/prometheus-text.js';
import { sampleCall } from '../support/proxy-event.js';

function event(overrides: Partial<CallRecord> = {}): CallRecord {
  return sampleCall({ project_id: 'p1', token_id: 't1', duration_ms: 1000, upstream_ms: 200, ...overrides });
}

const usage = (source: EventUsage['source'], prompt: number, completion: number, cached = 0, reasoning = 0): EventUsage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  cached_tokens: cached,
  reasoning_tokens: reasoning,
  source,
});

function sources(bus: EventBusStats = { published: 0, delivered: 0, dropped: 0 }): MetricsSources {
  return {
    allowedEndpoints: OPENAI_ENDPOINTS,
    events: { stats: () => bus },
    cache: undefined,
    audit: { stats: () => ({ records: 0, fileDropped: 0, databaseDropped: 0, databaseWriteFailures: 0 }) },
  };
}

describe('metrics of proxied calls', () => {
  it('classes statuses (0 is aborted) and cache verdicts', async () => {
    const metrics = createMetrics(sources());
    for (const [status, cache] of [[0, null], [101, null], [200, 'hit'], [200, 'hit'], [304, 'miss'], [404, 'bypass'], [503, 'stale']] as const) {
      metrics.record(event({ status, cache_status: cache }));
    }
    const exposition = parseExposition(await metrics.render());
    const requests = exposition.find('llm_proxy_requests_total').map((sample) => `${sample.labels.status_class} ${sample.labels.cache} ${sample.value}`);
    expect(requests.sort()).toEqual(['1xx none 1', '2xx hit 2', '3xx miss 1', '4xx bypass 1', '5xx other 1', 'aborted none 1']);
    expect(exposition.value('llm_proxy_request_duration_seconds_sum', { route: '/v1/chat/completions' })).toBeCloseTo(7);
    expect(exposition.value('llm_proxy_upstream_duration_seconds_count', { route: '/v1/chat/completions' })).toBe(7);
  });

  it('counts tokens of provider and estimated usage by project; missing usage, unknown projects and impossible counts add nothing', async () => {
    const metrics = createMetrics(sources());
    metrics.record(event({ usage: usage('provider', 10, 4, 6, 2) }));
    metrics.record(event({ usage: usage('provider', 1, 1) }));
    metrics.record(event({ usage: usage('estimated', 7, 3) }));
    metrics.record(event({ project_id: 'p2', usage: usage('provider', Number.NaN, -5, Infinity, 1) }));
    metrics.record(event({ project_id: null, usage: usage('provider', 100, 100) }));
    metrics.record(event({ usage: MISSING_USAGE }));
    const exposition = parseExposition(await metrics.render());
    const tokens = exposition.find('llm_proxy_tokens_total').map((sample) => `${sample.labels.project_id} ${sample.labels.source} ${sample.labels.direction} ${sample.value}`);
    expect(tokens.sort()).toEqual([
      'p1 estimated completion 3',
      'p1 estimated prompt 7',
      'p1 provider cached 6',
      'p1 provider completion 5',
      'p1 provider prompt 11',
      'p1 provider reasoning 2',
      'p2 provider reasoning 1',
    ]);
  });

  it('shows the Redis Streams transport when the bus has one', async () => {
    const bus: EventBusStats = { published: 5, delivered: 4, dropped: 1, remote: { transport: 'redis-streams', sent: 3, buffered: 2, dropped: 7, failedAttempts: 1 } };
    const exposition = parseExposition(await createMetrics(sources(bus)).render());
    expect(exposition.value('llm_proxy_events_published_total')).toBe(5);
    expect(exposition.value('llm_proxy_events_delivered_total')).toBe(4);
    expect(exposition.value('llm_proxy_events_dropped_total', { transport: 'in-process' })).toBe(1);
    expect(exposition.value('llm_proxy_events_dropped_total', { transport: 'redis-streams' })).toBe(7);
    expect(exposition.value('llm_proxy_events_redis_sent_total')).toBe(3);
    expect(exposition.value('llm_proxy_events_redis_buffered')).toBe(2);
    expect(exposition.value('llm_proxy_events_redis_failed_flushes_total')).toBe(1);
    expect(exposition.types.get('llm_proxy_events_redis_buffered')).toBe('gauge');
  });

  it('keeps the metrics of two apps in one process apart, and reads the counts anew at each scrape', async () => {
    const bus = { published: 1, delivered: 0, dropped: 0 };
    const one = createMetrics(sources(bus));
    const two = createMetrics(sources());
    one.record(event());
    one.record(event());
    two.record(event());
    expect(parseExposition(await one.render()).value('llm_proxy_requests_total')).toBe(2);
    expect(parseExposition(await two.render()).value('llm_proxy_requests_total')).toBe(1);
    bus.published = 9;
    one.record(event());
    const again = parseExposition(await one.render());
    expect(again.value('llm_proxy_requests_total')).toBe(3);
    expect(again.value('llm_proxy_events_published_total')).toBe(9);
  });
});
