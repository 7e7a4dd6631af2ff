import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestConfig, type SettingName } from '../../src/config/index.js';
import { buildApp, type LlmProxyApp } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { closedPort, redisUnavailable, startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';

const unreachable = await redisUnavailable();
const OPT_IN = { 'Cache-Control': 'public, max-age=600' };

describe.skipIf(unreachable !== undefined)('HTTP response cache on Redis, through the proxy', () => {
  let relay: TcpRelay;
  let harness: Harness;
  let second: LlmProxyApp;
  let secondUrl: string;
  let token: string;
  let settings: Partial<Record<SettingName, string>>;

  beforeAll(async () => {
    relay = await startTcpRelay(6379);
    settings = { HTTP_CACHE_BACKEND: 'redis', REDIS_CACHE_URL: `redis://127.0.0.1:${relay.port}/0`, REDIS_CACHE_KEY_PREFIX: `llm-proxy-test:${randomUUID()}:` };
    harness = await startHarness(settings);
    ({ token } = await harness.issueToken());
    // A second proxy process on the same database and the same Redis (here: in the same test process).
    const config = createTestConfig({ ...settings, OPENAI_API_URL: harness.mock.url, DATABASE_PATH: harness.dbPath, REDIS_CACHE_URL: 'redis://127.0.0.1:6379/0' });
    second = await buildApp(config, { logger: pino({ level: 'silent' }) });
    secondUrl = await second.listen();
  });
  afterAll(async () => {
    await second?.cache?.purge({});
    await second?.close();
    await harness?.close();
    await relay?.close();
  });

  const chat = (baseUrl: string, content: string) =>
    new OpenAI({ apiKey: token, baseURL: `${baseUrl}/v1`, maxRetries: 0 })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: OPT_IN })
      .withResponse();

  it('answers a miss on one instance as a hit on the other', async () => {
    const first = await chat(harness.url, 'shared across instances');
    const other = await chat(secondUrl, 'shared across instances');
    expect([first.response.headers.get('x-proxy-cache'), other.response.headers.get('x-proxy-cache')]).toEqual(['miss', 'hit']);
    expect(other.data).toEqual(first.data);
    expect((await second.cache?.stats())?.backend).toBe('redis');
  });

  it('keeps serving, from the upstream, while Redis is lost, and uses it again when it is back', async () => {
    const before = harness.mock.received.length;
    relay.cut();
    const during = await chat(harness.url, 'redis lost');
    expect(during.response.status).toBe(200);
    expect(during.response.headers.get('cache-status')).toBe('llm-proxy; fwd=bypass; detail=backend-down');
    expect(harness.mock.received.length).toBe(before + 1);

    let status: string | null = null;
    for (let attempt = 0; attempt < 50 && status !== 'hit'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await chat(harness.url, 'redis back')).response.headers.get('x-proxy-cache');
    }
    expect(status).toBe('hit');
  });
});

describe('HTTP response cache backend at start', () => {
  it('refuses to start (exit 1) naming the Redis address when Redis is down', async () => {
    const port = await closedPort();
    const result = await runCli(['server', '--config', '/dev/null', '--addr', '127.0.0.1:0'], {
      env: { MANAGEMENT_TOKEN: 'm', HTTP_CACHE_BACKEND: 'redis', REDIS_ADDR: `127.0.0.1:${port}`, DATABASE_PATH: ':memory:' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Redis cache at 127.0.0.1:${port}/0 is unreachable`);
  });
});
