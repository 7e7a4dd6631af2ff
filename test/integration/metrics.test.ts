import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DURATION_BUCKETS_SECONDS } from '../../src/metrics/index.js';
import { errorCodeOf, leaveStreamEarly, rawRequest } from '../support/http.js';
import { streamChat, streamUsage } from '../support/mock-openai.js';
import { startMockRealtime } from '../support/mock-realtime.js';
import { MANAGEMENT_TOKEN, UPSTREAM_KEY, startHarness, type Harness } from '../support/proxy-harness.js';
import { parseExposition, type Exposition } from '../support/prometheus-text.js';
import { redisUnavailable } from '../support/tcp-relay.js';
import { makeTempDir } from '../support/temp-dir.js';
import { testStreams } from '../events/redis-streams-support.js';

const redisUnreachable = await redisUnavailable();

const OPT_IN = { 'Cache-Control': 'public, max-age=600' };
/** Waits on a machine busy with other tests. */
const POLL = { timeout: 10_000, interval: 50 };

async function scrape(harness: Harness, path = '/metrics', headers: Record<string, string> = {}) {
  const response = await fetch(harness.url + path, { headers });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), text };
}

async function metricsOf(harness: Harness, headers: Record<string, string> = {}): Promise<Exposition> {
  const { status, text } = await scrape(harness, '/metrics', headers);
  expect(status).toBe(200);
  return parseExposition(text);
}

/**
 * The metrics once `calls` calls have been recorded (a call's event is built once its response is
 * over, which the client may see a moment before; a cut stream's once its tokens are estimated);
 * at most about 15 s of polling, usable in beforeAll.
 */
async function recorded(harness: Harness, calls: number): Promise<Exposition> {
  let counted = 0;
  for (let attempt = 0; attempt < 600; attempt++) {
    const metrics = await metricsOf(harness);
    counted = metrics.find('llm_proxy_requests_total').reduce((sum, sample) => sum + sample.value, 0);
    if (counted >= calls) {
      expect(counted).toBe(calls);
      return metrics;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${counted} calls recorded, expected ${calls}`);
}

describe('GET /metrics after calls of every kind (real server, real upstream on 127.0.0.1)', () => {
  let harness: Harness;
  let first: { token: string; tokenId: string; projectId: string };
  let second: { token: string; tokenId: string; projectId: string };
  let metrics: Exposition;
  let text: string;
  let contentType: string | null;

  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  const chat = (apiKey: string, content: string, headers: Record<string, string> = {}) =>
    client(apiKey).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers });

  beforeAll(async () => {
    harness = await startHarness();
    first = await harness.issueToken();
    second = await harness.issueToken();
    harness.mock.route('/v1/files/file-abc123', (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"No such File object: file-abc123","code":null}}');
    });
    harness.mock.route('/v1/moderations', (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"upstream broke"}}');
    });

    // 200s the cache leaves alone (no opt-in), with usage 5 + 3 each
    await chat(first.token, 'one');
    await chat(first.token, 'two');
    // a cache miss that is stored, then a hit (no tokens: the upstream did not serve it)
    await chat(first.token, 'cache me', OPT_IN);
    await chat(first.token, 'cache me', OPT_IN);
    // a stream whose client did not ask for usage: the proxy asks for it
    const stream = await client(second.token).chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream me' }] });
    for await (const chunk of stream) void chunk;
    // the upstream's 404 on an id path, and its 500
    const missing = await rawRequest(harness.url, { path: '/v1/files/file-abc123', headers: { authorization: `Bearer ${first.token}` } });
    expect(missing.status).toBe(404);
    const broken = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/moderations',
      headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
      body: '{"input":"x"}',
    });
    expect(broken.status).toBe(500);
    // refused by the proxy: a token it never issued, an endpoint it does not serve
    const refused = await rawRequest(harness.url, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer sk-AAAAAAAAAAAAAAAAAAAAAA' }, body: '{}' });
    expect(errorCodeOf(refused)).toBe('token_not_found');
    const unknown = await rawRequest(harness.url, { path: '/v1/not-served/some-private-name', headers: { authorization: `Bearer ${first.token}` } });
    expect(errorCodeOf(unknown)).toBe('endpoint_not_found');

    metrics = await recorded(harness, 9);
    ({ text, contentType } = await scrape(harness));
  });
  afterAll(() => harness.close());

  it('counts requests by route template, status class and cache verdict', () => {
    const requests = (route: string, statusClass: string, cache: string) => metrics.value('llm_proxy_requests_total', { route, status_class: statusClass, cache });
    expect(requests('/v1/chat/completions', '2xx', 'bypass')).toBe(3);
    expect(requests('/v1/chat/completions', '2xx', 'miss')).toBe(1);
    expect(requests('/v1/chat/completions', '2xx', 'hit')).toBe(1);
    expect(requests('/v1/chat/completions', '4xx', 'none')).toBe(1); // refused before the cache looked
    expect(requests('/v1/files/{id}', '4xx', 'miss')).toBe(1); // a GET the cache looked up, not stored
    expect(requests('/v1/moderations', '5xx', 'bypass')).toBe(1);
    expect(requests('other', '4xx', 'none')).toBe(1);
    expect(metrics.find('llm_proxy_requests_total')).toHaveLength(7);
    expect(metrics.types.get('llm_proxy_requests_total')).toBe('counter');
  });

  it('has the request and upstream durations by route, with buckets from 5 ms to 120 s', () => {
    expect(metrics.types.get('llm_proxy_request_duration_seconds')).toBe('histogram');
    expect(metrics.value('llm_proxy_request_duration_seconds_count', { route: '/v1/chat/completions' })).toBe(6);
    // Refused and cached calls never went upstream.
    expect(metrics.value('llm_proxy_upstream_duration_seconds_count', { route: '/v1/chat/completions' })).toBe(4);
    expect(metrics.value('llm_proxy_upstream_duration_seconds_count', { route: '/v1/files/{id}' })).toBe(1);
    expect(metrics.value('llm_proxy_upstream_duration_seconds_count', { route: 'other' })).toBeUndefined();
    const bounds = metrics.find('llm_proxy_request_duration_seconds_bucket', { route: '/v1/chat/completions' }).map((sample) => sample.labels.le);
    expect(bounds).toEqual([...DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
    expect(DURATION_BUCKETS_SECONDS[0]).toBe(0.005);
    expect(DURATION_BUCKETS_SECONDS.at(-1)).toBe(120);
    expect(metrics.value('llm_proxy_request_duration_seconds_bucket', { route: '/v1/chat/completions', le: '+Inf' })).toBe(6);
    expect(metrics.value('llm_proxy_request_duration_seconds_sum', { route: '/v1/chat/completions' })).toBeGreaterThan(0);
  });

  it('counts tokens by project as the upstream reported them', () => {
    const tokens = (projectId: string, direction: string) => metrics.value('llm_proxy_tokens_total', { project_id: projectId, direction, source: 'provider' });
    // The mock answers every chat with usage 5 + 3: three answers went upstream for the first project.
    expect(tokens(first.projectId, 'prompt')).toBe(3 * 5);
    expect(tokens(first.projectId, 'completion')).toBe(3 * 3);
    expect(tokens(first.projectId, 'cached')).toBeUndefined();
    const usage = streamUsage(['echo: ', 'stream ', 'me']);
    expect(tokens(second.projectId, 'prompt')).toBe(usage.prompt_tokens);
    expect(tokens(second.projectId, 'completion')).toBe(usage.completion_tokens);
    expect(tokens(second.projectId, 'cached')).toBe(usage.prompt_tokens_details.cached_tokens);
    expect(metrics.find('llm_proxy_tokens_total', { source: 'estimated' })).toEqual([]);
    expect(metrics.find('llm_proxy_tokens_total').every((sample) => sample.labels.project_id === first.projectId || sample.labels.project_id === second.projectId)).toBe(true);
  });

  it('shows the cache, the bus and the audit log from their own counts', () => {
    expect(metrics.value('llm_proxy_cache_hits_total')).toBe(1);
    expect(metrics.value('llm_proxy_cache_stores_total')).toBe(1);
    expect(metrics.value('llm_proxy_cache_misses_total')).toBe(2);
    expect(metrics.value('llm_proxy_cache_bypass_total')).toBe(4);
    expect(metrics.value('llm_proxy_cache_entries')).toBe(1);
    expect(metrics.value('llm_proxy_cache_bytes')).toBeGreaterThan(0);
    expect(metrics.value('llm_proxy_cache_evictions_total')).toBe(0);
    // Nothing subscribes to the in-memory bus here (no FILE_EVENT_LOG): nothing is published, nothing dropped.
    expect(metrics.value('llm_proxy_events_published_total')).toBe(0);
    expect(metrics.value('llm_proxy_events_dropped_total', { transport: 'in-process' })).toBe(0);
    expect(metrics.value('llm_proxy_events_redis_sent_total')).toBeUndefined();
    // Two projects and two tokens created.
    expect(metrics.value('llm_proxy_audit_records_total')).toBe(4);
    expect(metrics.value('llm_proxy_audit_dropped_total', { destination: 'file' })).toBe(0);
    expect(metrics.value('llm_proxy_audit_dropped_total', { destination: 'database' })).toBe(0);
    expect(metrics.value('llm_proxy_audit_write_failures_total')).toBe(0);
  });

  it("has the process's default metrics, event-loop lag included, and the version", () => {
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(metrics.find(name), name).toHaveLength(1);
    }
    expect(metrics.find('llm_proxy_build_info')[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(metrics.value('llm_proxy_uptime_seconds')).toBeGreaterThan(0);
    // Every metric once: the app's registry and the process's do not overlap.
    const helps = text.split('\n').filter((line) => line.startsWith('# HELP ')).map((line) => line.split(' ')[2]);
    expect(new Set(helps).size).toBe(helps.length);
  });

  it('holds no token, token id, key or client-typed path', () => {
    for (const secret of [first.token, second.token, first.tokenId, second.tokenId, UPSTREAM_KEY, MANAGEMENT_TOKEN, 'sk-AAAAAAAAAAAAAAAAAAAAAA', 'file-abc123', 'some-private-name', 'not-served']) {
      expect(text).not.toContain(secret);
    }
  });

  it('is also served at <METRICS_PATH>/prometheus, the Go original’s path, and is not in the OpenAPI document', async () => {
    const alias = await scrape(harness, '/metrics/prometheus');
    expect(alias.status).toBe(200);
    expect(parseExposition(alias.text).value('llm_proxy_cache_hits_total')).toBe(1);
    const openapi = (await harness.manage<{ paths: Record<string, unknown> }>('GET', '/manage/openapi.json')).body;
    expect(Object.keys(openapi.paths).filter((path) => path.includes('metrics'))).toEqual([]);
  });
});

describe('calls cut short', () => {
  let harness: Harness;
  let token: string;
  let projectId: string;

  beforeAll(async () => {
    harness = await startHarness();
    ({ token, projectId } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  it('counts a client that left before any status as aborted, and the tokens of a cut stream as estimated', async () => {
    // The upstream never answers: the client gives up while the proxy waits for response headers.
    harness.mock.route('/v1/embeddings', () => undefined);
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${harness.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      req.on('error', () => resolve());
      req.end('{"model":"text-embedding-3-small","input":"x"}');
      const waitForUpstream = setInterval(() => {
        if (!harness.mock.received.some((received) => received.url === '/v1/embeddings')) return;
        clearInterval(waitForUpstream);
        req.destroy();
      }, 10);
    });
    // A stream the client leaves after its first chunks (status 200 was sent).
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, Array.from({ length: 100 }, (_, i) => `word${i} `), 20));
    await leaveStreamEarly(harness.url, token, 600);

    const metrics = await recorded(harness, 2);
    expect(metrics.value('llm_proxy_requests_total', { route: '/v1/embeddings', status_class: 'aborted' })).toBe(1);
    expect(metrics.value('llm_proxy_upstream_duration_seconds_count', { route: '/v1/embeddings' })).toBeUndefined();
    expect(metrics.value('llm_proxy_requests_total', { route: '/v1/chat/completions', status_class: '2xx' })).toBe(1);
    // The estimate comes once the tokenizer has counted what passed.
    await expect.poll(async () => (await metricsOf(harness)).value('llm_proxy_tokens_total', { project_id: projectId, direction: 'completion', source: 'estimated' }), POLL).toBeGreaterThan(0);
    const after = await metricsOf(harness);
    expect(after.value('llm_proxy_tokens_total', { project_id: projectId, direction: 'prompt', source: 'estimated' })).toBeGreaterThan(0);
    expect(after.find('llm_proxy_tokens_total', { source: 'provider' })).toEqual([]);
  });
});

describe('WebSocket sessions', () => {
  it('counts a session once it ends, as 1xx (101) on /v1/realtime, its whole length as duration', async () => {
    const realtime = await startMockRealtime();
    const harness = await startHarness({ OPENAI_API_URL: realtime.url });
    try {
      const { token } = await harness.issueToken();
      const ws = new WebSocket(`${harness.url.replace(/^http/, 'ws')}/v1/realtime?model=gpt-realtime`, { headers: { authorization: `Bearer ${token}` } });
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve()); // the upstream's greeting: the tunnel is open
        ws.once('error', reject);
      });
      ws.close();
      const metrics = await recorded(harness, 1);
      expect(metrics.value('llm_proxy_requests_total', { route: '/v1/realtime', status_class: '1xx', cache: 'none' })).toBe(1);
      expect(metrics.value('llm_proxy_upstream_duration_seconds_count', { route: '/v1/realtime' })).toBe(1);
      expect(metrics.find('llm_proxy_tokens_total')).toEqual([]);
    } finally {
      await harness.close();
      await realtime.close();
    }
  });
});

describe('metrics settings', () => {
  it('METRICS_TOKEN: 401 in the OpenAI shape without it or with a wrong one, 200 with it', async () => {
    const metricsToken = 'scrape-token-0123456789';
    const harness = await startHarness({ METRICS_TOKEN: metricsToken });
    try {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token' }, { authorization: metricsToken }, { authorization: `Basic ${metricsToken}` }];
      for (const headers of attempts) {
        const refused = await scrape(harness, '/metrics', headers);
        expect(refused.status).toBe(401);
        expect(JSON.parse(refused.text)).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_metrics_token' } });
        expect(refused.text).not.toContain(metricsToken);
      }
      expect((await scrape(harness, '/metrics/prometheus')).status).toBe(401);
      const allowed = await scrape(harness, '/metrics', { authorization: `bearer ${metricsToken}` });
      expect(allowed.status).toBe(200);
      expect(parseExposition(allowed.text).find('llm_proxy_uptime_seconds')).toHaveLength(1);
      // The management token is not the metrics token.
      expect((await scrape(harness, '/metrics', { authorization: `Bearer ${MANAGEMENT_TOKEN}` })).status).toBe(401);
    } finally {
      await harness.close();
    }
  });

  it('ENABLE_METRICS=false: no route (404), and the proxy works as before', async () => {
    const harness = await startHarness({ ENABLE_METRICS: 'false' });
    try {
      const { token } = await harness.issueToken();
      expect((await scrape(harness, '/metrics')).status).toBe(404);
      expect((await scrape(harness, '/metrics/prometheus')).status).toBe(404);
      const answer = await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it('METRICS_PATH moves it', async () => {
    const harness = await startHarness({ METRICS_PATH: '/internal/metrics' });
    try {
      expect((await scrape(harness, '/metrics')).status).toBe(404);
      expect((await scrape(harness, '/internal/metrics')).status).toBe(200);
      expect((await scrape(harness, '/internal/metrics/prometheus')).status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it('counts events published to the bus and delivered to its subscribers (FILE_EVENT_LOG)', async () => {
    const temp = makeTempDir();
    const harness = await startHarness({ FILE_EVENT_LOG: join(temp.dir, 'events.jsonl') });
    try {
      const { token } = await harness.issueToken();
      for (let i = 0; i < 3; i++) await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      await recorded(harness, 3);
      await expect.poll(async () => (await metricsOf(harness)).value('llm_proxy_events_delivered_total'), POLL).toBe(3);
      const metrics = await metricsOf(harness);
      expect(metrics.value('llm_proxy_events_published_total')).toBe(3);
      expect(metrics.value('llm_proxy_events_dropped_total', { transport: 'in-process' })).toBe(0);
    } finally {
      await harness.close();
      temp.remove();
    }
  });

  it('HTTP_CACHE_ENABLED=false: no cache metrics, every call counted with cache "none"', async () => {
    const harness = await startHarness({ HTTP_CACHE_ENABLED: 'false' });
    try {
      const { token } = await harness.issueToken();
      await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      const metrics = await recorded(harness, 1);
      expect(metrics.value('llm_proxy_requests_total', { route: '/v1/models', status_class: '2xx', cache: 'none' })).toBe(1);
      expect(metrics.samples.filter((sample) => sample.name.startsWith('llm_proxy_cache_'))).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});

describe.skipIf(redisUnreachable !== undefined)('metrics of the Redis Streams transport (real Redis on 127.0.0.1:6379)', () => {
  const streams = testStreams();
  afterAll(() => streams.cleanup());

  it('counts the events sent to the stream, and none buffered or dropped', async () => {
    const key = streams.key();
    const harness = await startHarness({ LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: '127.0.0.1:6379', REDIS_STREAM_KEY: key });
    try {
      const { token } = await harness.issueToken();
      for (let i = 0; i < 4; i++) await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      await recorded(harness, 4);
      // Counted once Redis has answered the batch.
      await expect.poll(async () => (await metricsOf(harness)).value('llm_proxy_events_redis_sent_total'), POLL).toBe(4);
      expect(await streams.redis.xlen(key)).toBe(4);
      const metrics = await metricsOf(harness);
      expect(metrics.value('llm_proxy_events_published_total')).toBe(4);
      expect(metrics.value('llm_proxy_events_redis_buffered')).toBe(0);
      expect(metrics.value('llm_proxy_events_redis_failed_flushes_total')).toBe(0);
      expect(metrics.value('llm_proxy_events_dropped_total', { transport: 'redis-streams' })).toBe(0);
      expect(metrics.value('llm_proxy_events_dropped_total', { transport: 'in-process' })).toBe(0);
    } finally {
      await harness.close();
    }
  });
});
