import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetUnreachableError, TokenRejectedError } from '../../../src/benchmark/index.js';
import type { BenchmarkCommandOptions } from '../../../src/cli/benchmark/index.js';
import { runBenchmark } from '../../../src/cli/benchmark/run.js';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../support/capture-io.js';
import { listenOnLoopback, startTestServer, unusedPort } from '../../support/http-server.js';
import { UPSTREAM_KEY, startHarness, type Harness } from '../../support/proxy-harness.js';

const CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
const STREAMED_CHAT = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"one two three"}]}';

function flags(baseUrl: string, token: string, overrides: Partial<BenchmarkCommandOptions> = {}): BenchmarkCommandOptions {
  return {
    baseUrl,
    endpoint: '/v1/chat/completions',
    token,
    tokenEnv: 'PROXY_TOKEN',
    concurrency: 1,
    method: 'POST',
    cacheTtl: 86_400,
    output: 'text',
    json: CHAT,
    ...overrides,
  };
}

function isAscending(values: readonly number[]): boolean {
  return values.every((value, index) => index === 0 || (values[index - 1] ?? 0) <= value);
}

interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

function ordered(summary: Summary): number[] {
  return [summary.min, summary.p50, summary.p90, summary.p95, summary.p99, summary.max];
}

describe('llm-proxy benchmark through the real proxy', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness();
    ({ token } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  it('sends -r requests with -c in flight and reports ordered percentiles, upstream time and proxy overhead', async () => {
    const { io, stdout, stderr } = captureIo();
    const before = harness.mock.received.length;
    await runBenchmark(flags(harness.url, token, { requests: 40, concurrency: 4 }), io);
    const forwarded = harness.mock.received.slice(before);
    expect(forwarded).toHaveLength(40);
    expect(forwarded.every((request) => request.headers.authorization === `Bearer ${UPSTREAM_KEY}`)).toBe(true);
    expect(forwarded.every((request) => /^\d{19}$/.test(String(request.headers['x-request-start'])))).toBe(true);

    const report = stdout();
    expect(report).toContain(`Target:      POST ${harness.url}/v1/chat/completions`);
    expect(report).toContain('Requests:    40 sent, 40 succeeded, 0 failed');
    expect(report).toContain('Concurrency: 4');
    expect(report).toMatch(/Throughput: {2}\d+\.\d\d req\/s/);
    expect(report).toMatch(/^LATENCY \(ms\) +COUNT +MIN +MEAN +P50 +P90 +P95 +P99 +MAX$/m);
    for (const label of ['total', 'upstream', 'proxy overhead']) expect(report).toMatch(new RegExp(`^${label} +40( +\\d+\\.\\d{3}){7}$`, 'm'));
    expect(report).toMatch(/^200 +40$/m);
    expect(report).toMatch(/^connect +0 /m);
    expect(report).not.toContain('X-PROXY-CACHE');
    expect(report).not.toContain(token);
    expect(report).not.toContain('Latency: n/a');
    expect(stderr()).toBe('');
  });

  it('prints exactly one JSON document with --output json', async () => {
    const { io, stdout } = captureIo();
    await runBenchmark(flags(harness.url, token, { requests: 12, concurrency: 3, output: 'json' }), io);
    const document = JSON.parse(stdout()) as Record<string, unknown> & Record<'latency_ms' | 'upstream_ms' | 'proxy_overhead_ms', Summary>;
    expect(document).toMatchObject({
      url: `${harness.url}/v1/chat/completions`,
      method: 'POST',
      concurrency: 3,
      requests: 12,
      sent: 12,
      completed: 12,
      succeeded: 12,
      failed: 0,
      status_codes: { '200': 12 },
      errors: { connect: 0, timeout: 0, http: 0, incomplete: 0 },
      time_to_first_byte_ms: null,
      added_time_to_first_byte_ms: null,
      cache: { counts: {} },
    });
    expect(document).not.toHaveProperty('samples');
    for (const key of ['latency_ms', 'upstream_ms', 'proxy_overhead_ms'] as const) {
      expect(document[key].count).toBe(12);
      expect(isAscending(ordered(document[key]))).toBe(true);
    }
    // Through a local proxy, upstream time and overhead are both part of the total.
    expect(document.upstream_ms.min).toBeGreaterThan(0);
    expect(document.proxy_overhead_ms.min).toBeGreaterThan(0);
    expect(document.upstream_ms.min + document.proxy_overhead_ms.min).toBeLessThanOrEqual(document.latency_ms.max);
    expect(document.requests_per_second).toBeGreaterThan(0);
  });

  it('reports time to first byte for a streamed chat', async () => {
    const { io, stdout } = captureIo();
    await runBenchmark(flags(harness.url, token, { requests: 6, concurrency: 2, json: STREAMED_CHAT, output: 'json' }), io);
    const document = JSON.parse(stdout()) as Record<string, unknown> & Record<'latency_ms' | 'time_to_first_byte_ms' | 'added_time_to_first_byte_ms', Summary>;
    expect(document).toMatchObject({ succeeded: 6, streamed: 6, proxy_overhead_ms: null });
    expect(document.time_to_first_byte_ms.count).toBe(6);
    expect(document.time_to_first_byte_ms.min).toBeLessThanOrEqual(document.latency_ms.min);
    expect(document.added_time_to_first_byte_ms.count).toBe(6);

    const text = captureIo();
    await runBenchmark(flags(harness.url, token, { requests: 2, json: STREAMED_CHAT }), text.io);
    expect(text.stdout()).toMatch(/^first byte +2 /m);
    expect(text.stdout()).toMatch(/^added first byte +2 /m);
    expect(text.stdout()).not.toMatch(/proxy overhead/);
  });

  it('benchmarks GET endpoints', async () => {
    const { io, stdout } = captureIo();
    await runBenchmark(flags(harness.url, token, { endpoint: '/v1/models', method: 'GET', json: undefined, requests: 5 }), io);
    expect(stdout()).toContain('Requests:    5 sent, 5 succeeded, 0 failed');
    expect(harness.mock.received.at(-1)).toMatchObject({ method: 'GET', url: '/v1/models' });
  });

  it('prints one sample per status code with --debug, never the token', async () => {
    const { io, stdout, stderr } = captureIo();
    await runBenchmark(flags(harness.url, token, { requests: 3, debug: true }), io);
    const output = stdout();
    expect(output).toContain('Sample responses (the first one of each status code):');
    expect(output.match(/^ {2}HTTP 200$/gm)).toHaveLength(1);
    expect(output).toMatch(/^ {4}x-request-id: /m);
    expect(output).toContain('"content":"echo: hi"');
    expect(output + stderr()).not.toContain(token);
  });

  it('exits 3 when every request is answered 401, after printing the report', async () => {
    const badToken = 'sk-AAAAAAAAAAAAAAAAAAAAAA';
    const { io, stdout } = captureIo();
    await expect(runBenchmark(flags(harness.url, badToken, { requests: 4, concurrency: 2, debug: true }), io)).rejects.toThrow(TokenRejectedError);
    expect(stdout()).toMatch(/^401 +4$/m);
    expect(stdout()).toMatch(/^http +4 /m);
    expect(stdout()).not.toContain(badToken);

    const viaMain = captureIo();
    const argv = ['benchmark', '--base-url', harness.url, '--endpoint', '/v1/models', '--method', 'GET', '--token', badToken, '-r', '2'];
    expect(await main(argv, viaMain.io)).toBe(3);
    expect(viaMain.stderr()).toBe('Error: every request was answered 401 Unauthorized: check the token from --token\n');
  });

  it('stops a --duration run early when every response is 401, and exits 3', async () => {
    const badToken = 'sk-AAAAAAAAAAAAAAAAAAAAAA';
    const { io, stdout } = captureIo();
    // Bounded by --duration even if the early stop were missing.
    const run = runBenchmark(flags(harness.url, badToken, { duration: 20_000, concurrency: 2 }), io);
    await expect(run).rejects.toThrow(/^every request was answered 401 Unauthorized \(stopped after \d+\): check the token from --token$/);
    expect(stdout()).toMatch(/^Stopped early: the first \d+ responses were all 401 Unauthorized; \d+ request\(s\) in flight were canceled/m);
    expect(stdout()).toContain('Latency: n/a, no successful response.');
  });

  it('fits a streaming report into a narrow terminal, wrapping notes between words', async () => {
    const { io, stdout } = captureIo();
    const columns = process.env.COLUMNS;
    process.env.COLUMNS = '60';
    try {
      await runBenchmark(flags(harness.url, token, { requests: 4, json: STREAMED_CHAT }), io);
    } finally {
      if (columns === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = columns;
    }
    const lines = stdout().split('\n');
    expect(Math.max(...lines.map((line) => line.length)), stdout()).toBeLessThanOrEqual(60);
    // How many columns fit depends on the figures; the mean goes first, the median, P99 and max stay.
    const header = lines.find((line) => line.startsWith('LATENCY (ms)')) ?? '';
    expect(header).not.toContain('MEAN');
    expect(header).toMatch(/ P50 .* P99 +MAX$/);
    expect(stdout()).toMatch(/^added first byte +4( +\d+\.\d{3}){3,6}$/m);
    expect(lines).toContain('added first byte: what the proxy added before the response');
  });

  it('exits 0 when only some requests fail', async () => {
    const limited = await harness.issueToken({ maxRequests: 3 });
    const { io, stdout } = captureIo();
    const argv = ['benchmark', '--base-url', harness.url, '--endpoint', '/v1/models', '--method', 'GET', '--token', limited.token, '-r', '5', '--output', 'json'];
    expect(await main(argv, io)).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ succeeded: 3, failed: 2, status_codes: { '200': 3, '429': 2 }, errors: { http: 2 } });
  });
});

describe('llm-proxy benchmark against other targets', () => {
  it('exits 2 with one line naming the URL when nothing listens', async () => {
    const port = await unusedPort();
    const { io, stdout, stderr } = captureIo();
    const url = `http://127.0.0.1:${port}/v1`;
    await expect(runBenchmark(flags(url, 'sk-x', { requests: 3 }), io)).rejects.toThrow(TargetUnreachableError);
    const viaMain = captureIo();
    expect(await main(['benchmark', '--base-url', url, '--endpoint', '/chat/completions', '--token', 'sk-x'], viaMain.io)).toBe(2);
    expect(viaMain.stderr()).toBe(`Error: cannot reach http://127.0.0.1:${port}/v1/chat/completions: connection refused (ECONNREFUSED)\n`);
    expect(stdout() + stderr() + viaMain.stdout()).toBe('');
  });

  it('counts X-PROXY-CACHE values and reports hit latency apart', async () => {
    const server = await startTestServer((_req, res, index) => {
      res.setHeader('X-PROXY-CACHE', index % 4 === 0 ? 'miss' : 'hit');
      res.end('{}');
    });
    try {
      const { io, stdout } = captureIo();
      await runBenchmark(flags(server.url, 'sk-x', { requests: 20, cache: true, cacheTtl: 3600 }), io);
      expect(server.received.every((request) => request.headers['cache-control'] === 'public, max-age=3600')).toBe(true);
      const report = stdout();
      expect(report).toContain('X-PROXY-CACHE: hit 15, miss 5');
      expect(report).toMatch(/^cache hit +15( +\d+\.\d{3}){7}$/m);
      expect(report).toMatch(/^cache other +5( +\d+\.\d{3}){7}$/m);
      expect(report).toMatch(/^upstream +n\/a$/m);
      expect(report).toContain('upstream and proxy figures: n/a, no response carried numeric X-UPSTREAM-REQUEST-START/-STOP headers');

      const json = captureIo();
      await runBenchmark(flags(server.url, 'sk-x', { requests: 8, output: 'json' }), json.io);
      expect(JSON.parse(json.stdout())).toMatchObject({ cache: { counts: { hit: 6, miss: 2 } }, upstream_ms: null, proxy_overhead_ms: null });
    } finally {
      await server.close();
    }
  });

  it('blanks out the token wherever a server echoes it in a --debug sample', async () => {
    const secret = 'sk-echoed-secret-0123456789';
    const server = await startTestServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', authorization: String(req.headers.authorization), 'x-seen': `token=${secret}` });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${secret}` } }));
    });
    try {
      const text = captureIo();
      await expect(runBenchmark(flags(server.url, secret, { requests: 1, debug: true }), text.io)).rejects.toThrow(TokenRejectedError);
      expect(text.stdout()).toContain('x-seen: token=[redacted]');
      expect(text.stdout()).toContain('Incorrect API key provided: [redacted]');
      expect(text.stdout()).not.toMatch(/^ +authorization:/m);
      const json = captureIo();
      await expect(runBenchmark(flags(server.url, secret, { requests: 1, debug: true, output: 'json' }), json.io)).rejects.toThrow(TokenRejectedError);
      const document = JSON.parse(json.stdout()) as { samples: { responses: { status: number; headers: Record<string, string>; body: string }[] } };
      expect(document.samples.responses).toHaveLength(1);
      expect(document.samples.responses[0]?.headers).not.toHaveProperty('authorization');
      expect(document.samples.responses[0]?.body).toContain('[redacted]');
      expect(text.stdout() + text.stderr() + json.stdout() + json.stderr()).not.toContain(secret);
    } finally {
      await server.close();
    }
  });

  it('says so when --cache is set but no response carries X-PROXY-CACHE', async () => {
    const server = await startTestServer((_req, res) => res.end('{}'));
    try {
      const { io, stdout } = captureIo();
      await runBenchmark(flags(server.url, 'sk-x', { requests: 2, cache: true }), io);
      expect(stdout()).toContain('X-PROXY-CACHE: never present');
      expect(server.received[0]?.headers['cache-control']).toBe('public, max-age=86400');
    } finally {
      await server.close();
    }
  });

  it('shows a progress bar on a terminal only, and clears it', async () => {
    const server = await startTestServer((_req, res) => setTimeout(() => res.end('{}'), 30));
    // Answers after several progress ticks, so the bar is drawn while both requests wait.
    const slow = await startTestServer((_req, res) => setTimeout(() => res.end('{}'), 400));
    try {
      const tty = captureIo({ stderrIsTty: true });
      await runBenchmark(flags(server.url, 'sk-x', { requests: 6 }), tty.io);
      const clearLine = '\r\x1b[K';
      const frames = tty.stderr().split(clearLine);
      expect(frames.length).toBeGreaterThan(2);
      expect(frames.slice(1, -1).every((frame) => /^\[#*-*\] \d\/6 done, (sending over, waiting for )?1 in flight, 0 failed, \d\.\ds$/.test(frame))).toBe(true);
      expect(frames.at(-1)).toBe(''); // the bar is erased before the report

      // Cut to a narrow terminal, and saying when only the requests in flight are awaited.
      const narrow = captureIo({ stderrIsTty: true });
      Object.assign(narrow.io.stderr, { columns: 50 });
      await runBenchmark(flags(slow.url, 'sk-x', { requests: 2, concurrency: 2 }), narrow.io);
      const narrowFrames = narrow.stderr().split(clearLine).slice(1, -1);
      expect(narrowFrames.length).toBeGreaterThan(0);
      expect(narrowFrames.every((frame) => frame.length === 49)).toBe(true);
      const wide = captureIo({ stderrIsTty: true });
      await runBenchmark(flags(slow.url, 'sk-x', { requests: 2, concurrency: 2 }), wide.io);
      expect(wide.stderr()).toContain(' 0/2 done, sending over, waiting for 2 in flight, 0 failed, ');

      const pipe = captureIo();
      await runBenchmark(flags(server.url, 'sk-x', { requests: 6 }), pipe.io);
      expect(pipe.stderr()).toBe('');
      const json = captureIo({ stderrIsTty: true });
      await runBenchmark(flags(server.url, 'sk-x', { requests: 6, output: 'json' }), json.io);
      expect(json.stderr()).toBe('');
    } finally {
      await server.close();
      await slow.close();
    }
  });

  it('stops at Ctrl+C and reports what was measured', async () => {
    const server = await startTestServer((_req, res) => setTimeout(() => res.end('{}'), 5000));
    try {
      const { io, stdout } = captureIo();
      const listeners = process.listenerCount('SIGINT');
      // Both requests in flight are still waiting for their answer when SIGINT arrives.
      const running = runBenchmark(flags(server.url, 'sk-x', { requests: 10, concurrency: 2 }), io);
      setTimeout(() => process.emit('SIGINT'), 150);
      await running;
      expect(stdout()).toContain('Requests:    2 sent, 0 succeeded, 0 failed, 2 canceled');
      expect(stdout()).toContain('Interrupted: 2 request(s) in flight were canceled and are not counted.');
      expect(process.listenerCount('SIGINT')).toBe(listeners);
    } finally {
      await server.close();
    }
  });

  it('exits 2 after the report when every request fails to connect', async () => {
    // Accepts connections (so the connectivity check passes) but resets each one on its first request.
    const server = await listenOnLoopback(createNetServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
    try {
      const { io, stdout } = captureIo();
      await expect(runBenchmark(flags(server.url, 'sk-x', { requests: 3 }), io)).rejects.toThrow(
        /^cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: every request failed to connect/,
      );
      expect(stdout()).toMatch(/^connect +3 /m);
    } finally {
      await server.close();
    }
  });
});
