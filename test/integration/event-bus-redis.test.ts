import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestConfig } from '../../src/config/index.js';
import type { ProxyEvent } from '../../src/events/index.js';
import { buildApp } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';
import { rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { closedPort, redisUnavailable, startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { streamEvents, testStreams } from '../events/redis-streams-support.js';

const unreachable = await redisUnavailable();

function chat(harness: Harness, token: string, content: string) {
  return rawRequest(harness.url, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
}

describe.skipIf(unreachable !== undefined)('LLM_PROXY_EVENT_BUS=redis-streams, through the proxy (real Redis on 127.0.0.1:6379)', () => {
  const streams = testStreams();
  afterAll(() => streams.cleanup());

  it('adds one stream entry per proxied call (schema v1 JSON in field data); in-process subscribers get them too', async () => {
    const key = streams.key();
    const harness = await startHarness({ LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: '127.0.0.1:6379', REDIS_STREAM_KEY: key });
    try {
      const local: ProxyEvent[] = [];
      harness.proxy.events.subscribe((event) => local.push(event));
      const { token, tokenId, projectId } = await harness.issueToken();
      const requestIds: string[] = [];
      for (let index = 0; index < 20; index++) {
        const response = await chat(harness, token, `call ${index}`);
        expect(response.status).toBe(200);
        requestIds.push(String(response.headers['x-request-id']));
      }
      await expect.poll(() => streams.redis.xlen(key)).toBe(20);
      const events = await streamEvents(streams.redis, key);
      expect(events.map((event) => event.request_id)).toEqual(requestIds);
      expect(new Set(events.map((event) => event.event_id)).size).toBe(20);
      for (const event of events) {
        expect(event).toMatchObject({ schema_version: 1, method: 'POST', path: '/v1/chat/completions', status: 200, project_id: projectId, token_id: tokenId });
      }
      expect(JSON.stringify(events)).not.toContain(token);
      await expect.poll(() => local.length).toBe(20);
      expect(local).toEqual(events);
      expect(harness.proxy.events.stats()).toMatchObject({ published: 20, remote: { transport: 'redis-streams', sent: 20, buffered: 0, dropped: 0 } });
    } finally {
      await harness.close();
    }
  });

  it('sends what is still buffered when the server stops', async () => {
    const key = streams.key();
    const harness = await startHarness({ LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: '127.0.0.1:6379', REDIS_STREAM_KEY: key });
    const { token } = await harness.issueToken();
    await Promise.all(Array.from({ length: 10 }, (_, index) => chat(harness, token, `last ${index}`)));
    await harness.close();
    expect(await streams.redis.xlen(key)).toBe(10);
  });

  describe('Redis lost mid-run (a relay between the proxy and Redis)', () => {
    let relay: TcpRelay;
    beforeAll(async () => {
      relay = await startTcpRelay(6379);
    });
    afterAll(() => relay.close());

    it('answers every request while Redis is away and sends the buffered events when it is back: none lost while the buffer holds', async () => {
      const key = streams.key();
      const harness = await startHarness({ LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: `127.0.0.1:${relay.port}`, REDIS_STREAM_KEY: key });
      try {
        const { token } = await harness.issueToken();
        expect((await chat(harness, token, 'before')).status).toBe(200);
        await expect.poll(() => streams.redis.xlen(key)).toBe(1);

        relay.down();
        const during: string[] = [];
        for (let index = 0; index < 30; index++) {
          const response = await chat(harness, token, `during ${index}`);
          expect(response.status).toBe(200);
          during.push(String(response.headers['x-request-id']));
        }
        await expect.poll(() => harness.proxy.events.stats().remote?.buffered).toBe(30);
        expect(await streams.redis.xlen(key)).toBe(1);

        relay.up();
        await expect.poll(() => streams.redis.xlen(key), { timeout: 10_000 }).toBe(31);
        const arrived = (await streamEvents(streams.redis, key)).map((event) => event.request_id);
        expect(arrived.slice(1)).toEqual(during);
        // Redis may hold the entries a moment before the publisher has read its answer.
        await expect.poll(() => harness.proxy.events.stats().remote).toMatchObject({ sent: 31, buffered: 0, dropped: 0 });
      } finally {
        relay.up();
        await harness.close();
      }
    });

    it('drops and counts what does not fit OBSERVABILITY_BUFFER_SIZE while Redis is away; requests are unaffected', async () => {
      const key = streams.key();
      const harness = await startHarness({
        LLM_PROXY_EVENT_BUS: 'redis-streams',
        REDIS_ADDR: `127.0.0.1:${relay.port}`,
        REDIS_STREAM_KEY: key,
        OBSERVABILITY_BUFFER_SIZE: '5',
      });
      try {
        const { token } = await harness.issueToken();
        relay.down();
        for (let index = 0; index < 12; index++) expect((await chat(harness, token, `flood ${index}`)).status).toBe(200);
        await expect.poll(() => harness.proxy.events.stats().published).toBe(12);
        expect(harness.proxy.events.stats().remote).toMatchObject({ sent: 0, buffered: 5, dropped: 7 });

        relay.up();
        await expect.poll(() => streams.redis.xlen(key), { timeout: 10_000 }).toBe(5);
        // The oldest events were kept; the ones that found the buffer full were dropped.
        expect((await streamEvents(streams.redis, key)).map((event) => event.path)).toEqual(Array(5).fill('/v1/chat/completions'));
        await expect.poll(() => harness.proxy.events.stats().remote).toMatchObject({ sent: 5, buffered: 0, dropped: 7 });
      } finally {
        relay.up();
        await harness.close();
      }
    });
  });
});

describe('LLM_PROXY_EVENT_BUS=redis-streams with Redis unreachable at start', () => {
  it('buildApp rejects naming the address and the fix', async () => {
    const port = await closedPort();
    const config = createTestConfig({ LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: `127.0.0.1:${port}`, DATABASE_PATH: ':memory:' });
    await expect(buildApp(config)).rejects.toThrowError(
      new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${port} for LLM_PROXY_EVENT_BUS=redis-streams: connect ECONNREFUSED .*set LLM_PROXY_EVENT_BUS=in-memory`),
    );
  });

  it('llm-proxy server exits 1 with that message, never showing REDIS_PASSWORD', async () => {
    const port = await closedPort();
    const result = await runCli(['server', '--config', '/dev/null', '--addr', '127.0.0.1:0'], {
      env: { MANAGEMENT_TOKEN: 'm', LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: `127.0.0.1:${port}`, REDIS_PASSWORD: 'never-shown-secret', DATABASE_PATH: ':memory:' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Error: cannot reach Redis at 127.0.0.1:${port} for LLM_PROXY_EVENT_BUS=redis-streams: connect ECONNREFUSED`);
    expect(result.stderr).toContain('(start Redis, check REDIS_ADDR/REDIS_DB/REDIS_PASSWORD, or set LLM_PROXY_EVENT_BUS=in-memory)');
    expect(result.stderr + result.stdout).not.toContain('never-shown-secret');
  });
});
