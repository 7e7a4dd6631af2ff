import { afterEach, describe, expect, it } from 'vitest';
import { runLoad, type LoadOptions, type LoadProgress } from '../../src/benchmark/index.js';
import { startTestServer, unusedPort, type TestServer } from '../support/http-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function options(url: string, overrides: Partial<LoadOptions> = {}): LoadOptions {
  return { url: new URL(url), method: 'GET', token: 'sk-test-token', concurrency: 1, requests: 1, timeoutMs: 5000, ...overrides };
}

describe('runLoad', () => {
  it('sends exactly the requested number, never more than `concurrency` at once', async () => {
    server = await startTestServer((_req, res) => setTimeout(() => res.end('{}'), 5));
    const result = await runLoad(options(`${server.url}/v1/models`, { requests: 50, concurrency: 5 }));
    expect(result).toMatchObject({ sent: 50, completed: 50, succeeded: 50, failed: 0, canceled: 0, interrupted: false });
    expect(result.statusCounts).toEqual([{ value: 200, count: 50 }]);
    expect(server.received).toHaveLength(50);
    expect(server.maxConcurrent).toBe(5);
    expect(result.latency?.count).toBe(50);
    expect(result.latency?.min).toBeGreaterThanOrEqual(4);
    expect(result.requestsPerSecond).toBeCloseTo(50 / (result.elapsedMs / 1000), 6);
  });

  it('sends the benchmark headers, and a body only when there is one', async () => {
    server = await startTestServer((_req, res) => res.end());
    const before = BigInt(Date.now()) * 1_000_000n;
    await runLoad(options(`${server.url}/v1/chat/completions?x=1`, { method: 'POST', body: Buffer.from('{"a":1}'), cacheTtlSeconds: 3600 }));
    await runLoad(options(`${server.url}/v1/models`));
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    const [post, get] = server.received;
    expect(post?.method).toBe('POST');
    expect(post?.url).toBe('/v1/chat/completions?x=1');
    expect(post?.headers).toMatchObject({
      authorization: 'Bearer sk-test-token',
      'content-type': 'application/json',
      'content-length': '7',
      'cache-control': 'public, max-age=3600',
    });
    const sentAt = BigInt(String(post?.headers['x-request-start']));
    expect(sentAt).toBeGreaterThanOrEqual(before - 2_000_000n); // the anchor is only ms-precise
    expect(sentAt).toBeLessThanOrEqual(after);
    expect(get?.headers['content-type']).toBeUndefined();
    expect(get?.headers['cache-control']).toBeUndefined();
  });

  it('runs for a duration instead of a count', async () => {
    server = await startTestServer((_req, res) => setTimeout(() => res.end('{}'), 2));
    const result = await runLoad(options(server.url, { requests: undefined, durationMs: 300, concurrency: 2 }));
    expect(result.elapsedMs).toBeGreaterThanOrEqual(300);
    expect(result.elapsedMs).toBeLessThan(1500);
    expect(result.sent).toBeGreaterThan(10);
    expect(result.succeeded).toBe(result.sent);
    expect(result).toMatchObject({ requestLimit: null, durationLimitMs: 300 });
  });

  it('counts non-2xx answers as http errors and keeps them out of the latency figures', async () => {
    server = await startTestServer((_req, res, index) => {
      res.statusCode = index % 2 === 0 ? 200 : 503;
      res.end();
    });
    const result = await runLoad(options(server.url, { requests: 10 }));
    expect(result).toMatchObject({ succeeded: 5, failed: 5, errors: { connect: 0, timeout: 0, http: 5, incomplete: 0 } });
    expect(result.statusCounts).toEqual([
      { value: 200, count: 5 },
      { value: 503, count: 5 },
    ]);
    expect(result.latency?.count).toBe(5);
  });

  it('counts responses by X-PROXY-CACHE and splits latency into hits and the rest', async () => {
    server = await startTestServer((_req, res, index) => {
      if (index % 4 === 0) res.setHeader('X-PROXY-CACHE', 'miss');
      else if (index !== 1) res.setHeader('X-PROXY-CACHE', 'HIT');
      res.end('{}');
    });
    const result = await runLoad(options(server.url, { requests: 20 }));
    expect(result.cache.counts).toEqual([
      { value: 'hit', count: 14 },
      { value: 'miss', count: 5 },
    ]);
    expect(result.cache.hit?.count).toBe(14);
    expect(result.cache.other?.count).toBe(6);
    expect(result.latency?.count).toBe(20);
  });

  it('measures upstream time and proxy overhead from the X-UPSTREAM-REQUEST-* headers', async () => {
    server = await startTestServer((_req, res) => {
      res.setHeader('X-UPSTREAM-REQUEST-START', '1764259200000000000');
      res.setHeader('X-UPSTREAM-REQUEST-STOP', '1764259200000500000');
      setTimeout(() => res.end('{}'), 5);
    });
    const result = await runLoad(options(server.url, { requests: 4 }));
    expect(result.upstream).toMatchObject({ count: 4, min: 0.5, max: 0.5 });
    expect(result.proxyOverhead?.count).toBe(4);
    expect(result.proxyOverhead?.min).toBeCloseTo((result.latency?.min ?? 0) - 0.5, 6);
    expect(result.addedTimeToFirstByte).toBeNull();
    expect(result.timeToFirstByte).toBeNull();
  });

  it('measures time to first byte of streamed responses', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: [DONE]\n\n'), 40);
    });
    const result = await runLoad(options(server.url, { requests: 3 }));
    expect(result.streamed).toBe(3);
    expect(result.timeToFirstByte?.count).toBe(3);
    // Each body ends 40 ms after its first byte: the first byte is timed when it arrives, not at the end.
    expect(result.latency?.min).toBeGreaterThanOrEqual(35);
    expect(result.timeToFirstByte?.max).toBeLessThan(result.latency?.min ?? 0);
  });

  it('aborts a request past the timeout and counts it as a timeout', async () => {
    server = await startTestServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end(), 2000);
      else res.end();
    });
    const result = await runLoad(options(`${server.url}/slow`, { requests: 2, concurrency: 2, timeoutMs: 150 }));
    expect(result).toMatchObject({ succeeded: 0, failed: 2, errors: { timeout: 2, connect: 0, http: 0, incomplete: 0 } });
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it('aborts a stream that outlives the timeout even while bytes keep coming', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 20);
      res.once('close', () => clearInterval(timer));
    });
    const result = await runLoad(options(server.url, { timeoutMs: 200 }));
    expect(result.errors.timeout).toBe(1);
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it('counts a connection that breaks mid-response as incomplete', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.destroy(), 10);
    });
    const result = await runLoad(options(server.url, { requests: 2 }));
    expect(result.errors).toEqual({ connect: 0, timeout: 0, http: 0, incomplete: 2 });
    expect(result.errorSamples[0]?.kind).toBe('incomplete');
  });

  it('counts refused connections as connect errors', async () => {
    const port = await unusedPort();
    const result = await runLoad(options(`http://127.0.0.1:${port}/`, { requests: 6, concurrency: 3 }));
    expect(result).toMatchObject({ sent: 6, failed: 6, errors: { connect: 6, timeout: 0, http: 0, incomplete: 0 } });
    expect(result.errorSamples).toEqual([{ kind: 'connect', message: 'connection refused (ECONNREFUSED)' }]);
    expect(result.statusCounts).toEqual([]);
  });

  it('keeps one bounded sample per status code for --debug', async () => {
    server = await startTestServer((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('x'.repeat(10_000));
    });
    const ok = await runLoad(options(server.url, { requests: 5, debugBodyBytes: 100 }));
    expect(ok.responseSamples).toHaveLength(1);
    expect(ok.responseSamples[0]).toMatchObject({ status: 200, bodyBytes: 10_000 });
    expect(ok.responseSamples[0]?.body.toString()).toBe('x'.repeat(100));
    const missing = await runLoad(options(`${server.url}/missing`, { requests: 2, debugBodyBytes: 100 }));
    expect(missing.responseSamples.map((sample) => sample.status)).toEqual([404]);
    const none = await runLoad(options(server.url, { requests: 2 }));
    expect(none.responseSamples).toEqual([]);
  });

  it('stops early when its signal is aborted, canceling what is in flight', async () => {
    server = await startTestServer((_req, res) => setTimeout(() => res.end(), 5000));
    const stopper = new AbortController();
    setTimeout(() => stopper.abort(), 100);
    const result = await runLoad(options(server.url, { requests: 100, concurrency: 3, signal: stopper.signal }));
    expect(result).toMatchObject({ interrupted: true, sent: 3, canceled: 3, completed: 0, failed: 0 });
    expect(result.elapsedMs).toBeLessThan(1000);
  });

  it('reports progress while it runs, with at most `concurrency` requests in flight', async () => {
    server = await startTestServer((_req, res) => setTimeout(() => res.end(), 30));
    const seen: LoadProgress[] = [];
    await runLoad(options(server.url, { requests: 20, concurrency: 2, onProgress: (progress) => seen.push(progress) }));
    expect(seen.length).toBeGreaterThan(1);
    const completed = seen.map((progress) => progress.completed);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    expect(completed.at(-1)).toBeLessThanOrEqual(20);
    expect(seen.map((progress) => progress.sent - progress.completed)).toEqual(seen.map(() => 2));
  });
});
