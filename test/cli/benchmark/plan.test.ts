import { describe, expect, it } from 'vitest';
import type { BenchmarkCommandOptions } from '../../../src/cli/benchmark/index.js';
import { DEBUG_BODY_BYTES, DEFAULT_TIMEOUT_MS, planBenchmark, targetUrl } from '../../../src/cli/benchmark/plan.js';
import { UsageError } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../support/capture-io.js';
import { unusedPort } from '../../support/http-server.js';

const noSettings = () => undefined;

function flags(overrides: Partial<BenchmarkCommandOptions> = {}): BenchmarkCommandOptions {
  return {
    baseUrl: 'http://localhost:8080',
    endpoint: '/v1/chat/completions',
    token: 'sk-flag-token',
    tokenEnv: 'PROXY_TOKEN',
    concurrency: 1,
    method: 'POST',
    cacheTtl: 86_400,
    output: 'text',
    ...overrides,
  };
}

describe('targetUrl', () => {
  it.each([
    ['http://localhost:8080', '/v1/chat/completions', 'http://localhost:8080/v1/chat/completions'],
    ['http://localhost:8080/', '/v1/models', 'http://localhost:8080/v1/models'],
    ['https://api.openai.com/v1', '/chat/completions', 'https://api.openai.com/v1/chat/completions'],
    ['https://api.openai.com/v1/', 'chat/completions', 'https://api.openai.com/v1/chat/completions'],
    ['http://127.0.0.1:9', '/v1/models?limit=2', 'http://127.0.0.1:9/v1/models?limit=2'],
    ['http://[::1]:8080', '/v1/models', 'http://[::1]:8080/v1/models'],
  ])('joins %s and %s', (baseUrl, endpoint, expected) => {
    expect(targetUrl(baseUrl, endpoint).href).toBe(expected);
  });

  it.each([
    ['localhost:8080', '/v1/models', /--base-url must be an http/],
    ['ftp://example.com', '/v1/models', /--base-url must be an http/],
    ['not a url', '/v1/models', /--base-url must be an http/],
    ['http://localhost:8080?x=1', '/v1/models', /query or fragment/],
    ['http://user:pw@localhost:8080', '/v1/models', /credentials/],
    ['http://localhost:8080', 'http://localhost:8080/v1/models', /--endpoint is a path/],
  ])('refuses %s with %s', (baseUrl, endpoint, message) => {
    expect(() => targetUrl(baseUrl, endpoint)).toThrow(message);
  });
});

describe('planBenchmark', () => {
  it('turns the flags into load options, with the upstream defaults', () => {
    const plan = planBenchmark(flags({ json: '{"model":"gpt-4o-mini"}' }), noSettings);
    expect(plan.load).toMatchObject({
      method: 'POST',
      token: 'sk-flag-token',
      concurrency: 1,
      requests: 1,
      durationMs: undefined,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      cacheTtlSeconds: undefined,
      expectStream: false,
      debugBodyBytes: 0,
    });
    expect(plan.load.url.href).toBe('http://localhost:8080/v1/chat/completions');
    expect(plan.load.body?.toString()).toBe('{"model":"gpt-4o-mini"}');
    expect(plan.warnings).toEqual([]);
    expect(plan.tokenSource).toBe('--token');
  });

  it('reads the token from the variable named by --token-env when --token is absent', () => {
    const read = (name: string) => (name === 'MY_TOKEN' ? 'sk-from-env' : undefined);
    const plan = planBenchmark(flags({ token: undefined, tokenEnv: 'MY_TOKEN' }), read);
    expect(plan.load.token).toBe('sk-from-env');
    expect(plan.tokenSource).toBe('$MY_TOKEN');
    expect(planBenchmark(flags({ token: 'sk-flag' }), read).load.token).toBe('sk-flag');
  });

  it('requires a token', () => {
    expect(() => planBenchmark(flags({ token: undefined }), noSettings)).toThrow(UsageError);
    expect(() => planBenchmark(flags({ token: undefined }), noSettings)).toThrow(/pass --token or set PROXY_TOKEN/);
  });

  it('refuses a token a header cannot carry, without echoing it', () => {
    const attempt = () => planBenchmark(flags({ token: 'sk-secret\r\nX-Evil: 1' }), noSettings);
    expect(attempt).toThrow(/characters an HTTP header cannot carry/);
    expect(attempt).not.toThrow(/sk-secret/);
  });

  it('refuses a body that is not JSON', () => {
    expect(() => planBenchmark(flags({ json: '{"model":' }), noSettings)).toThrow(/--json is not valid JSON: /);
  });

  it('refuses --requests together with --duration', () => {
    expect(() => planBenchmark(flags({ requests: 10, duration: 5000 }), noSettings)).toThrow(/alternatives/);
  });

  it('uses --duration instead of a request count', () => {
    const plan = planBenchmark(flags({ duration: 30_000 }), noSettings);
    expect(plan.load).toMatchObject({ requests: undefined, durationMs: 30_000 });
  });

  it('notices a streaming body', () => {
    expect(planBenchmark(flags({ json: '{"stream":true}' }), noSettings).load.expectStream).toBe(true);
    expect(planBenchmark(flags({ json: '{"stream":"yes"}' }), noSettings).load.expectStream).toBe(false);
  });

  it('sends no body with GET or DELETE, and says so', () => {
    const plan = planBenchmark(flags({ method: 'GET', json: '{"a":1}' }), noSettings);
    expect(plan.load.body).toBeUndefined();
    expect(plan.warnings).toEqual(['--json is not sent with GET: only POST, PUT and PATCH carry a body']);
  });

  it('sets the cache TTL only with --cache, and the sample size only with --debug', () => {
    expect(planBenchmark(flags({ cache: true, cacheTtl: 300 }), noSettings).load.cacheTtlSeconds).toBe(300);
    expect(planBenchmark(flags({ cacheTtl: 300 }), noSettings).load.cacheTtlSeconds).toBeUndefined();
    expect(planBenchmark(flags({ debug: true }), noSettings).load.debugBodyBytes).toBe(DEBUG_BODY_BYTES);
  });

  it('gives the connectivity check at most 10 s', () => {
    expect(planBenchmark(flags(), noSettings).preflightTimeoutMs).toBe(10_000);
    expect(planBenchmark(flags({ timeout: 2000 }), noSettings).preflightTimeoutMs).toBe(2000);
  });
});

describe('benchmark flags on the command line', () => {
  const base = ['benchmark', '--base-url', 'http://127.0.0.1:9', '--endpoint', '/v1/models', '--token', 'sk-x'];

  it.each([
    [['--requests', '0'], /--requests <n>' argument '0' is invalid/],
    [['-c', '1.5'], /--concurrency <n>' argument '1.5' is invalid/],
    [['--method', 'TRACE'], /expected one of GET, POST, PUT, PATCH, DELETE/],
    [['--duration', 'soon'], /expected a duration/],
    [['--timeout', '0s'], /expected a duration/],
    [['--output', 'yaml'], /Allowed choices are text, json/],
    [['--cache-ttl', '-5'], /--cache-ttl <seconds>' argument '-5' is invalid/],
    [['--json', '{oops'], /--json is not valid JSON/],
    [['-r', '5', '--duration', '10s'], /alternatives/],
  ])('exits 1 for %j', async (extra, message) => {
    const { io, stdout, stderr } = captureIo();
    expect(await main([...base, ...extra], io)).toBe(1);
    expect(stderr()).toMatch(message);
    expect(stdout()).toBe('');
  });

  it('exits 1 without --endpoint', async () => {
    const { io, stderr } = captureIo();
    expect(await main(['benchmark', '--base-url', 'http://127.0.0.1:9', '--token', 'sk-x'], io)).toBe(1);
    expect(stderr()).toMatch(/required option '--endpoint <path>' not specified/);
  });

  it("targets the server's LISTEN_ADDR without --base-url", () => {
    const settings: Record<string, string> = { LISTEN_ADDR: ':19140' };
    const plan = planBenchmark(flags({ baseUrl: undefined }), (name) => settings[name]);
    expect(plan.load.url.href).toBe('http://localhost:19140/v1/chat/completions');
    expect(planBenchmark(flags({ baseUrl: undefined }), () => undefined).load.url.href).toBe('http://localhost:8080/v1/chat/completions');
  });

  it('accepts a lower-case method', async () => {
    const { io, stderr } = captureIo();
    const port = await unusedPort();
    // Nothing listens there: the run fails at the connectivity check, after the flags were accepted.
    const argv = ['benchmark', '--base-url', `http://127.0.0.1:${port}`, '--endpoint', '/v1/models', '--token', 'sk-x', '--method', 'get'];
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toBe(`Error: cannot reach http://127.0.0.1:${port}/v1/models: connection refused (ECONNREFUSED)\n`);
  });
});
