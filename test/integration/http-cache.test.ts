import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTokenById } from '../../src/store/index.js';
import { errorCodeOf, rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

const OPT_IN = { 'Cache-Control': 'public, max-age=600' };

describe('HTTP response cache through the proxy', () => {
  let harness: Harness;
  let token: string;
  let projectId: string;

  beforeAll(async () => {
    harness = await startHarness();
    ({ token, projectId } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  const upstreamCalls = (path: string) => harness.mock.received.filter((request) => request.url === path).length;

  async function chat(apiKey: string, content: string, headers: Record<string, string> = OPT_IN) {
    return client(apiKey)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers })
      .withResponse();
  }

  it('answers the second identical opted-in request from the cache', async () => {
    const before = upstreamCalls('/v1/chat/completions');
    const first = await chat(token, 'cache me');
    const second = await chat(token, 'cache me');
    expect(first.response.headers.get('x-proxy-cache')).toBe('miss');
    expect(first.response.headers.get('cache-status')).toBe('llm-proxy; fwd=uri-miss; fwd-status=200; stored');
    expect(second.response.headers.get('x-proxy-cache')).toBe('hit');
    expect(second.response.headers.get('cache-status')).toMatch(/^llm-proxy; hit; ttl=\d+$/);
    expect(second.response.headers.get('age')).toMatch(/^\d+$/);
    expect(second.response.headers.get('x-proxy-cache-key')).toBe(first.response.headers.get('x-proxy-cache-key'));
    expect(second.response.headers.get('x-request-id')).not.toBe(first.response.headers.get('x-request-id'));
    expect(second.data).toEqual(first.data);
    expect(upstreamCalls('/v1/chat/completions')).toBe(before + 1);
  });

  it('leaves requests without opt-in alone', async () => {
    const before = upstreamCalls('/v1/chat/completions');
    const first = await chat(token, 'no opt-in', {});
    await chat(token, 'no opt-in', {});
    expect(first.response.headers.get('x-proxy-cache')).toBeNull();
    expect(first.response.headers.get('cache-status')).toBeNull();
    expect(upstreamCalls('/v1/chat/completions')).toBe(before + 2);
  });

  it('shares entries between tokens of a project, never with another project', async () => {
    const sameProject = await harness.manage<{ token: string }>('POST', '/manage/tokens', { project_id: projectId, duration_hours: 1 });
    const otherProject = await harness.issueToken();
    await chat(token, 'isolation');
    expect((await chat(sameProject.body.token, 'isolation')).response.headers.get('x-proxy-cache')).toBe('hit');
    const other = await chat(otherProject.token, 'isolation');
    expect(other.response.headers.get('x-proxy-cache')).toBe('miss');
  });

  it('never gives a cached answer to an invalid, revoked or used-up token', async () => {
    const limited = await harness.issueToken({ maxRequests: 2 });
    await chat(limited.token, 'quota'); // miss: 1 of 2
    expect((await chat(limited.token, 'quota')).response.headers.get('x-proxy-cache')).toBe('hit'); // 2 of 2
    await expect(chat(limited.token, 'quota')).rejects.toMatchObject({ status: 429 });
    expect((await findTokenById(harness.proxy.database, limited.tokenId))?.requestCount).toBe(2);

    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'quota' }] });
    const invalid = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-not-a-withering-token', 'content-type': 'application/json', 'cache-control': 'public, max-age=600' },
      body,
    });
    expect([invalid.status, errorCodeOf(invalid), invalid.headers['x-proxy-cache']]).toEqual([401, 'invalid_token', undefined]);

    const revoked = await harness.issueToken();
    await chat(revoked.token, 'revoked');
    await harness.manage('DELETE', `/manage/tokens/${revoked.tokenId}`);
    await expect(chat(revoked.token, 'revoked')).rejects.toMatchObject({ status: 401 });
  });

  it('counts a hit as a request and as a cache hit of its token', async () => {
    const counted = await harness.issueToken();
    await chat(counted.token, 'counting');
    await chat(counted.token, 'counting');
    await harness.manage('GET', `/manage/tokens/${counted.tokenId}`); // flushes the write-behind counters
    const row = await findTokenById(harness.proxy.database, counted.tokenId);
    expect([row?.requestCount, row?.cacheHitCount]).toEqual([2, 1]);
  });

  it('replays a completed stream with the same events, and keeps streams and non-streams apart', async () => {
    const stopListening = harness.proxy.events.subscribe(() => undefined); // usage is metered for whoever listens
    const before = upstreamCalls('/v1/chat/completions');
    const read = async () => {
      const { data: stream, response } = await client(token)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream me' }], stream: true }, { headers: OPT_IN })
        .withResponse();
      const events: unknown[] = [];
      for await (const event of stream) events.push(event);
      return { events, cache: response.headers.get('x-proxy-cache') };
    };
    const first = await read();
    const second = await read();
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.events).toEqual(first.events);
    expect(second.events.length).toBeGreaterThan(1);
    // The proxy asked the upstream for usage; neither the client nor the replay shows it.
    expect(harness.mock.received.at(-1)?.body).toContain('"include_usage":true');
    expect(second.events.every((event) => !('usage' in (event as object)))).toBe(true);
    stopListening();
    expect((await chat(token, 'stream me')).response.headers.get('x-proxy-cache')).toBe('miss');
    expect(upstreamCalls('/v1/chat/completions')).toBe(before + 2);
  });

  it('caches embeddings, and models when the client opts in', async () => {
    const embed = () =>
      client(token).embeddings.create({ model: 'text-embedding-3-small', input: 'vector' }, { headers: OPT_IN }).withResponse();
    const miss = await embed();
    const hit = await embed();
    expect(hit.response.headers.get('x-proxy-cache')).toBe('hit');
    expect(hit.data.data[0]?.embedding).toHaveLength(3);
    expect(hit.data).toEqual(miss.data);
    const models = () => client(token).models.list({ headers: OPT_IN }).withResponse();
    await models();
    expect((await models()).response.headers.get('x-proxy-cache')).toBe('hit');
  });

  it('forgets the answers of a project whose key changes', async () => {
    const changing = await harness.issueToken();
    await chat(changing.token, 'key change');
    expect((await chat(changing.token, 'key change')).response.headers.get('x-proxy-cache')).toBe('hit');
    const updated = await harness.manage('PATCH', `/manage/projects/${changing.projectId}`, { api_key: 'sk-another-upstream-key-0123456789abcdef' });
    expect(updated.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await chat(changing.token, 'key change')).response.headers.get('x-proxy-cache')).toBe('miss');
  });

  it('answers only-if-cached with 504 when nothing is stored, without calling upstream', async () => {
    const before = harness.mock.received.length;
    const response = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'cache-control': 'public, max-age=600, only-if-cached' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'never sent' }] }),
    });
    expect([response.status, errorCodeOf(response)]).toEqual([504, 'cache_miss']);
    expect(harness.mock.received.length).toBe(before);
  });

  it('coalesces identical concurrent misses into one upstream call', async () => {
    harness.mock.route('/v1/embeddings', async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}');
    });
    const before = upstreamCalls('/v1/embeddings');
    const all = await Promise.all(
      Array.from({ length: 50 }, () =>
        client(token).embeddings.create({ model: 'm', input: 'together' }, { headers: OPT_IN }).withResponse(),
      ),
    );
    expect(upstreamCalls('/v1/embeddings')).toBe(before + 1);
    expect(all.filter((answer) => answer.response.headers.get('x-proxy-cache') === 'hit')).toHaveLength(49);
  });
});
