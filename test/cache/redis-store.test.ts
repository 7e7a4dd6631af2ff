import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheBackendDown, CacheBackendUnavailable, type CacheStore } from '../../src/cache/cache-store.js';
import { createHttpCache } from '../../src/cache/http-cache.js';
import { planRequest, type RequestPlan } from '../../src/cache/policy.js';
import { createRedisStore, redisAddress } from '../../src/cache/redis-store.js';
import { harness, type UpstreamAnswer } from './cache-driver.js';
import { closedPort, redisUnavailable, startTcpRelay } from '../support/tcp-relay.js';
import { makeEntry } from './entries.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';

const unreachable = await redisUnavailable();

const cachePlan = planRequest('POST', { 'cache-control': 'public, max-age=60' }) as RequestPlan;

describe.skipIf(unreachable !== undefined)('redis store (real Redis on 127.0.0.1:6379)', () => {
  const prefix = `llm-proxy-test:${randomUUID()}:`;
  const stores: CacheStore[] = [];
  async function open(url = REDIS_URL, maxObjectBytes = 1e6): Promise<CacheStore> {
    const store = await createRedisStore({ url, keyPrefix: prefix, maxObjectBytes });
    stores.push(store);
    return store;
  }

  afterAll(async () => {
    const cleaner = await open();
    await cleaner.purge({});
    for (const store of stores) await store.close();
  });

  it('round-trips status, headers, body chunks and freshness', async () => {
    const store = await open();
    const entry = makeEntry(0, {
      status: 203,
      headers: ['content-type', 'text/event-stream', 'x-a', 'ü'],
      chunks: [Buffer.from('data: 1\n\n'), Buffer.from([0, 255, 1]), Buffer.from('data: [DONE]\n\n')],
      gapsMs: [0, 5, 7],
      vary: ['accept-language'],
      varyValues: ['de'],
      mustRevalidate: true,
    });
    expect(await store.set('p1:abc', entry, 60_000)).toBe(true);
    expect(await store.get('p1:abc')).toEqual(entry);
    expect(await store.get('p1:missing')).toBeUndefined();
  });

  it('expires entries with their TTL', async () => {
    const store = await open();
    await store.set('p1:short', makeEntry(3), 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get('p1:short')).toBeUndefined();
  });

  it('refuses objects over the size cap', async () => {
    const store = await open(REDIS_URL, 600);
    expect(await store.set('p1:big', makeEntry(1000), 60_000)).toBe(false);
    expect(await store.get('p1:big')).toBeUndefined();
  });

  it('purges by project and by short key, and counts entries', async () => {
    const store = await open();
    await store.purge({});
    for (const key of ['p1:aaaa01', 'p1:bbbb02', 'p2:aaaa03', 'p*:cccc04']) await store.set(key, makeEntry(10), 60_000);
    expect((await store.stats()).entries).toBe(4);
    expect(await store.purge({ projectId: 'p*' })).toBe(1); // a glob character in an id matches only itself
    expect(await store.purge({ projectId: 'p1' })).toBe(2);
    expect(await store.purge({ key: 'AAAA' })).toBe(1);
    expect(await store.delete('p1:aaaa01')).toBe(false);
    expect(await store.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('shares entries between two stores (two proxy processes)', async () => {
    const a = await open();
    const b = await open();
    await a.set('p1:shared', makeEntry(5), 60_000);
    expect((await b.get('p1:shared'))?.chunks[0]?.toString()).toBe('xxxxx');
  });

  it('names the address (never the password) when Redis is down at start', async () => {
    const port = await closedPort();
    const failure = createRedisStore({ url: `redis://:s3cret@127.0.0.1:${port}/2`, keyPrefix: prefix, maxObjectBytes: 1e6 });
    await expect(failure).rejects.toBeInstanceOf(CacheBackendUnavailable);
    await expect(failure).rejects.toThrow(`Redis cache at 127.0.0.1:${port}/2 is unreachable`);
    await expect(failure).rejects.not.toThrow(/s3cret/);
    expect(redisAddress('rediss://user:pw@cache.internal:6380')).toBe('cache.internal:6380/0');
  });

  it('fails fast when Redis is lost mid-run, the lookup goes upstream, and it recovers', async () => {
    const relay = await startTcpRelay(6379);
    const store = await open(`redis://127.0.0.1:${relay.port}/0`);
    const cache = createHttpCache({ store, defaultTtlSeconds: 0, maxObjectBytes: 1e6 });
    const request = { projectId: 'p1', url: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
    expect((await cache.lookup(cachePlan, request)).kind).toBe('forward');

    relay.cut();
    await expect(store.get('p1:x')).rejects.toBeInstanceOf(CacheBackendDown);
    await expect(store.set('p1:x', makeEntry(1), 1000)).rejects.toBeInstanceOf(CacheBackendDown);
    const lookup = await cache.lookup(cachePlan, request);
    expect(lookup).toMatchObject({ kind: 'forward', tap: undefined });
    expect(lookup.headers).toContain('llm-proxy; fwd=bypass; detail=backend-down');

    // The client reconnects in the background once the path is back.
    let recovered = false;
    for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      recovered = await store.get('p1:x').then(
        () => true,
        () => false,
      );
    }
    expect(recovered).toBe(true);
    expect((await cache.stats()).backendErrors).toBe(1);
    await relay.close();
  });

  it('fails a command that Redis does not answer instead of waiting for it', async () => {
    const silent = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    // PING at start gets no answer either: the start fails with the address.
    await expect(createRedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: prefix, maxObjectBytes: 1e6 })).rejects.toThrow(
      `127.0.0.1:${port}/0`,
    );
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe.skipIf(unreachable !== undefined)('http cache on a shared Redis (two proxy instances)', () => {
  const prefix = `llm-proxy-test:${randomUUID()}:`;
  const stores: CacheStore[] = [];

  afterAll(async () => {
    await stores[0]?.purge({});
    for (const store of stores) await store.close();
  });

  it('answers a miss on one instance as a hit on the other, and coalesces across them', async () => {
    for (let i = 0; i < 2; i++) stores.push(await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, maxObjectBytes: 1e6 }));
    const caches = stores.map((store) => createHttpCache({ store, defaultTtlSeconds: 0, maxObjectBytes: 1e6, coalesceWaitMs: 10_000 }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let upstreamCalls = 0;
    const answer = async (): Promise<UpstreamAnswer> => {
      upstreamCalls++;
      await gate;
      return { status: 200, headers: { 'content-type': 'application/json' }, chunks: ['{"id":"shared"}'] };
    };
    const instances = caches.map((cache) => harness(cache, answer));
    const headers = { 'cache-control': 'public, max-age=60', 'content-type': 'application/json' };
    const body = '{"model":"m","input":"same"}';
    const first = instances[0]!.send('POST', headers, body);
    await new Promise((resolve) => setTimeout(resolve, 50)); // instance 0 holds the lock
    const all = [first, ...Array.from({ length: 10 }, (_, i) => instances[i % 2]!.send('POST', headers, body))];
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const served = await Promise.all(all);
    expect(upstreamCalls).toBe(1);
    expect(served.every((answered) => answered.body === '{"id":"shared"}')).toBe(true);
    expect(served.filter((answered) => answered.fromCache)).toHaveLength(10);
    const later = await instances[1]!.send('POST', headers, body);
    expect(later.headers['x-proxy-cache']).toBe('hit');
    expect(upstreamCalls).toBe(1);
  });
});
