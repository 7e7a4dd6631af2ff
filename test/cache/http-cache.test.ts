import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHttpCache, type HttpCache } from '../../src/cache/http-cache.js';
import { createMemoryStore } from '../../src/cache/memory-store.js';
import { harness, type UpstreamAnswer } from './cache-driver.js';

const OPT_IN = { 'cache-control': 'public, max-age=600', 'content-type': 'application/json' };
const CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';

function memoryCache(overrides: Partial<Parameters<typeof createHttpCache>[0]> = {}): HttpCache {
  return createHttpCache({
    store: createMemoryStore({ maxBytes: 1e7, maxObjectBytes: 1e6 }),
    defaultTtlSeconds: 300,
    maxObjectBytes: 1e6,
    ...overrides,
  });
}

const ok = (body = '{"id":"1"}', headers: IncomingHttpHeaders = { 'content-type': 'application/json' }): UpstreamAnswer => ({ status: 200, headers, chunks: [body] });

describe('http cache', () => {
  it('stores an opted-in POST and serves it with Age, keyed by canonical body', async () => {
    const cache = memoryCache();
    const { send, calls } = harness(cache, () => ok());
    const miss = await send('POST', OPT_IN, CHAT);
    expect(miss.headers['x-proxy-cache']).toBe('miss');
    expect(miss.headers['cache-status']).toBe('llm-proxy; fwd=uri-miss; fwd-status=200; stored');
    expect(miss.headers['x-proxy-cache-key']).toMatch(/^[0-9a-f]{16}$/);
    const hit = await send('POST', OPT_IN, JSON.stringify({ messages: [{ content: 'hi', role: 'user' }], model: 'gpt-4o-mini' }));
    expect(hit.fromCache).toBe(true);
    expect(hit.body).toBe('{"id":"1"}');
    expect(hit.headers['x-proxy-cache']).toBe('hit');
    expect(hit.headers['x-proxy-cache-key']).toBe(miss.headers['x-proxy-cache-key']);
    expect(hit.headers['cache-status']).toMatch(/^llm-proxy; hit; ttl=(599|600)$/);
    expect(hit.headers.age).toBe('0');
    expect(hit.headers['content-length']).toBe('10');
    expect(calls()).toBe(1);
    expect(await cache.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1, entries: 1, byProject: { p1: { hits: 1, misses: 1, stores: 1 } } });
    expect(cache.counters()).toEqual({ hits: 1, misses: 1, bypasses: 0, stores: 1, coalescedWaits: 0, backendErrors: 0 });
    expect(cache.backend).toBe('in-memory');
  });

  it('leaves a POST without opt-in alone', async () => {
    const cache = memoryCache();
    const { send, calls } = harness(cache, () => ok());
    const first = await send('POST', { 'content-type': 'application/json' }, CHAT);
    await send('POST', { 'content-type': 'application/json' }, CHAT);
    expect(first.headers).toEqual({});
    expect(calls()).toBe(2);
    expect(await cache.stats()).toMatchObject({ bypasses: 2, entries: 0 });
  });

  it('never shares an entry across projects', async () => {
    const cache = memoryCache();
    const { send, calls } = harness(cache, (call) => ok(`{"call":${call}}`));
    await send('POST', OPT_IN, CHAT, 'p1');
    const other = await send('POST', OPT_IN, CHAT, 'p2');
    expect(other.fromCache).toBe(false);
    expect((await send('POST', OPT_IN, CHAT, 'p1')).body).toBe('{"call":1}');
    expect((await send('POST', OPT_IN, CHAT, 'p2')).body).toBe('{"call":2}');
    expect(calls()).toBe(2);
  });

  it.each([
    ['a 400', { status: 400, headers: {}, chunks: ['{"error":{}}'] }, 'status'],
    ['a 500', { status: 500, headers: { 'cache-control': 'public, max-age=60' }, chunks: ['x'] }, 'status'],
    ['no-store', { status: 200, headers: { 'cache-control': 'no-store' }, chunks: ['x'] }, 'no-store'],
    ['private', { status: 200, headers: { 'cache-control': 'private' }, chunks: ['x'] }, 'private'],
    ['Vary: *', { status: 200, headers: { vary: '*' }, chunks: ['x'] }, 'vary-star'],
  ])('never stores %s', async (_name, answer, detail) => {
    const cache = memoryCache();
    const { send, calls } = harness(cache, () => answer);
    const first = await send('POST', OPT_IN, CHAT);
    expect(first.headers['cache-status']).toBe(`llm-proxy; fwd=uri-miss; fwd-status=${answer.status}; detail=${detail}`);
    expect((await send('POST', OPT_IN, CHAT)).fromCache).toBe(false);
    expect(calls()).toBe(2);
  });

  it('never stores a body cut short, or one over the object size cap', async () => {
    const cache = memoryCache({ maxObjectBytes: 100 });
    const answers = [
      { status: 200, headers: {}, chunks: ['{"par'], abort: true },
      { status: 200, headers: { 'content-length': '101' }, chunks: ['x'.repeat(101)] },
      { status: 200, headers: {}, chunks: ['x'.repeat(60), 'y'.repeat(60)] },
    ];
    const { send, calls } = harness(cache, (call) => answers[call - 1] ?? ok());
    expect((await send('POST', OPT_IN, CHAT)).fromCache).toBe(false);
    expect((await send('POST', OPT_IN, CHAT)).headers['cache-status']).toContain('detail=too-large');
    expect((await send('POST', OPT_IN, CHAT)).fromCache).toBe(false);
    expect((await send('POST', OPT_IN, CHAT)).fromCache).toBe(false);
    expect((await send('POST', OPT_IN, CHAT)).fromCache).toBe(true);
    expect(calls()).toBe(4);
  });

  it('follows the request directives: no-cache refreshes, no-store keeps nothing, only-if-cached answers 504 on a miss', async () => {
    const cache = memoryCache();
    const { send, calls } = harness(cache, (call) => ok(`{"call":${call}}`));
    const onlyIfCached = await send('POST', { ...OPT_IN, 'cache-control': 'public, max-age=600, only-if-cached' }, CHAT);
    expect(onlyIfCached.status).toBe(504);
    expect(calls()).toBe(0);
    await send('POST', { ...OPT_IN, 'cache-control': 'public, max-age=600, no-store' }, CHAT);
    expect((await send('POST', { ...OPT_IN, 'cache-control': 'public, max-age=600, only-if-cached' }, CHAT)).status).toBe(504);
    await send('POST', OPT_IN, CHAT); // call 2, stored
    const refreshed = await send('POST', { ...OPT_IN, 'cache-control': 'public, max-age=600, no-cache' }, CHAT);
    expect(refreshed.headers['cache-status']).toBe('llm-proxy; fwd=request; fwd-status=200; stored');
    expect(refreshed.body).toBe('{"call":3}');
    const hit = await send('POST', { ...OPT_IN, 'cache-control': 'public, max-age=600, only-if-cached' }, CHAT);
    expect(hit.body).toBe('{"call":3}');
    expect(calls()).toBe(3);
  });

  it('serves a GET the upstream marked public, and matches Vary', async () => {
    const cache = memoryCache();
    const models = { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=60', vary: 'Accept-Language' }, chunks: ['{"data":[]}'] };
    const { send, calls } = harness(cache, () => models);
    await send('GET', { 'accept-language': 'de' }, undefined, 'p1', '/v1/models');
    expect((await send('GET', { 'accept-language': 'de' }, undefined, 'p1', '/v1/models')).fromCache).toBe(true);
    const other = await send('GET', { 'accept-language': 'en' }, undefined, 'p1', '/v1/models');
    expect(other).toMatchObject({ fromCache: false, headers: {} }); // no opt-in: cache headers on hits only
    expect((await send('GET', { 'accept-language': 'en' }, undefined, 'p1', '/v1/models')).fromCache).toBe(true);
    const optedIn = await send('GET', { 'accept-language': 'fr', 'cache-control': 'public, max-age=60' }, undefined, 'p1', '/v1/models');
    expect(optedIn.headers['cache-status']).toBe('llm-proxy; fwd=vary-miss; fwd-status=200; stored');
    expect(calls()).toBe(3);
  });

  it('keeps a compressed answer for clients accepting the same encoding', async () => {
    const cache = memoryCache();
    const gzipped = { status: 200, headers: { 'content-encoding': 'gzip', 'cache-control': 'public, max-age=60' }, chunks: ['gz'] };
    const { send, calls } = harness(cache, () => gzipped);
    await send('GET', { 'accept-encoding': 'gzip' }, undefined, 'p1', '/v1/models');
    expect((await send('GET', {}, undefined, 'p1', '/v1/models')).fromCache).toBe(false);
    expect(calls()).toBe(2);
  });

  it('gives a hit a Content-Length, except for answers without a body', async () => {
    const cache = memoryCache();
    const { send } = harness(cache, () => ({ status: 204, headers: {}, chunks: [] }));
    await send('POST', OPT_IN, CHAT);
    const hit = await send('POST', OPT_IN, CHAT);
    expect(hit).toMatchObject({ fromCache: true, status: 204 });
    expect(hit.headers['content-length']).toBeUndefined();
  });

  it('does not replay Set-Cookie and renames the upstream request id', async () => {
    const cache = memoryCache();
    const { send } = harness(cache, () => ok('{}', { 'set-cookie': ['a=b'], 'x-request-id': 'req_up', connection: 'x-hop', 'x-hop': '1', 'content-type': 'application/json' }));
    await send('POST', OPT_IN, CHAT);
    const hit = await send('POST', OPT_IN, CHAT);
    expect(hit.headers['set-cookie']).toBeUndefined();
    expect(hit.headers['x-hop']).toBeUndefined();
    expect(hit.headers['x-upstream-request-id']).toBe('req_up');
  });

  it('stores a completed event stream chunk by chunk, never a cut one', async () => {
    const cache = memoryCache();
    const sse = { 'content-type': 'text/event-stream; charset=utf-8' };
    const events = ['data: {"choices":[{"delta":{"content":"a"}}]}\n\n', 'data: {"choices":[{"delta":{"content":"b"}}]}\n\n', 'data: [DONE]\n\n'];
    const answers = [
      { status: 200, headers: sse, chunks: events.slice(0, 2) }, // ended without [DONE]
      { status: 200, headers: sse, chunks: events },
    ];
    const streamBody = '{"model":"m","stream":true}';
    const { send, calls } = harness(cache, (call) => answers[call - 1] ?? ok());
    await send('POST', OPT_IN, streamBody);
    await send('POST', OPT_IN, streamBody);
    const plan = cache.plan('POST', OPT_IN);
    if (!plan.cacheable) throw new Error('cacheable');
    const hit = await cache.lookup(plan, { projectId: 'p1', url: '/v1/chat/completions', headers: OPT_IN, body: Buffer.from(streamBody) });
    expect(hit.kind).toBe('hit');
    if (hit.kind !== 'hit') return;
    expect(hit.eventStream).toBe(true);
    expect(hit.chunks.map((chunk) => chunk.toString())).toEqual(events);
    expect(hit.gapsMs).toHaveLength(3);
    expect(calls()).toBe(2);
    // The same body without stream: true is another key.
    expect((await send('POST', OPT_IN, '{"model":"m"}')).fromCache).toBe(false);
  });

  it('stores a Responses API stream that ends with response.completed', async () => {
    const cache = memoryCache();
    const events = ['event: response.created\ndata: {"type":"response.created"}\n\n', 'event: response.completed\ndata: {"type":"response.completed","response":{}}\n\n'];
    const { send, calls } = harness(cache, () => ({ status: 200, headers: { 'content-type': 'text/event-stream' }, chunks: events }));
    await send('POST', OPT_IN, '{"stream":true}', 'p1', '/v1/responses');
    expect((await send('POST', OPT_IN, '{"stream":true}', 'p1', '/v1/responses')).fromCache).toBe(true);
    expect(calls()).toBe(1);
  });

  it('ignores an abort that comes after complete, and frees waiters when the upstream never answered', async () => {
    const cache = memoryCache();
    const plan = cache.plan('POST', OPT_IN);
    if (!plan.cacheable) throw new Error('cacheable');
    const request = { projectId: 'p1', url: '/v1/chat/completions', headers: OPT_IN, body: Buffer.from(CHAT) };
    const leader = await cache.lookup(plan, request);
    const follower = cache.lookup(plan, request);
    if (leader.kind !== 'forward' || leader.tap === undefined) throw new Error('forward');
    await new Promise((resolve) => setImmediate(resolve)); // the follower is waiting now
    leader.tap.abort(); // e.g. upstream unreachable: begin() was never called
    expect(await follower).toMatchObject({ kind: 'forward', headers: expect.arrayContaining(['llm-proxy; fwd=miss']) });

    const again = await cache.lookup(plan, request);
    if (again.kind !== 'forward' || again.tap === undefined) throw new Error('forward');
    again.tap.begin(200, {}, { requestTime: Date.now(), responseTime: Date.now() });
    again.tap.chunk(Buffer.from('{}'));
    const storing = again.tap.complete();
    again.tap.abort();
    await storing;
    expect((await cache.lookup(plan, request)).kind).toBe('hit');
  });

  it('coalesces 50 identical concurrent misses into one upstream call', async () => {
    const cache = memoryCache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { send, calls } = harness(cache, async () => {
      await gate;
      return ok('{"shared":true}');
    });
    const all = Array.from({ length: 50 }, () => send('POST', OPT_IN, CHAT));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const served = await Promise.all(all);
    expect(calls()).toBe(1);
    expect(served.filter((answer) => answer.fromCache)).toHaveLength(49);
    expect(served.every((answer) => answer.body === '{"shared":true}')).toBe(true);
    expect(served.find((answer) => answer.fromCache)?.headers['cache-status']).toMatch(/; collapsed$/);
    expect(await cache.stats()).toMatchObject({ coalescedWaits: 49, hits: 49, stores: 1 });
  });

  it('does not make identical plain GETs wait for each other (their answer may not be shareable)', async () => {
    const cache = memoryCache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inFlight = 0;
    let most = 0;
    const { send, calls } = harness(cache, async () => {
      most = Math.max(most, ++inFlight);
      await gate;
      inFlight--;
      return ok('{"data":[]}');
    });
    const all = Array.from({ length: 3 }, () => send('GET', {}, undefined, 'p1', '/v1/models'));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(all);
    expect([calls(), most]).toEqual([3, 3]);
  });

  it('sends the waiters upstream themselves when the leader answer is not storable', async () => {
    const cache = memoryCache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { send, calls } = harness(cache, async (call) => {
      if (call === 1) {
        await gate;
        return { status: 500, headers: {}, chunks: ['{"error":{}}'] };
      }
      return ok();
    });
    const all = Array.from({ length: 5 }, () => send('POST', OPT_IN, CHAT));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const served = await Promise.all(all);
    expect(calls()).toBe(5);
    expect(served.filter((answer) => answer.status === 500)).toHaveLength(1);
    expect(served.filter((answer) => answer.headers['cache-status']?.startsWith('llm-proxy; fwd=miss'))).toHaveLength(4);
  });

  it('serves within max-age of the request only', async () => {
    let clock = Date.now();
    const cache = memoryCache({ now: () => clock });
    const { send, calls } = harness(cache, () => ok(), () => clock);
    await send('POST', OPT_IN, CHAT);
    clock += 30_000;
    const aged = await send('POST', OPT_IN, CHAT);
    expect(aged.fromCache).toBe(true);
    expect(Number(aged.headers.age)).toBeGreaterThanOrEqual(30);
    expect((await send('POST', { ...OPT_IN, 'cache-control': 'public, max-age=10' }, CHAT)).headers['cache-status']).toMatch(/^llm-proxy; fwd=request/);
    expect(calls()).toBe(2);
  });
});
