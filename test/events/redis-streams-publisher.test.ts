import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStreamsPublisher, RedisUnreachableError, type RemotePublisher } from '../../src/events/index.js';
import { closedPort, redisUnavailable, startTcpRelay } from '../support/tcp-relay.js';
import { sampleEvent, streamEvents, testStreams } from './redis-streams-support.js';

const unreachable = await redisUnavailable();

describe.skipIf(unreachable !== undefined)('Redis Streams publisher (real Redis on 127.0.0.1:6379)', () => {
  const streams = testStreams();
  const publishers: RemotePublisher[] = [];
  afterAll(async () => {
    for (const publisher of publishers) await publisher.close(100);
    await streams.cleanup();
  });

  async function open(key: string, overrides: Parameters<typeof streams.options>[1] = {}, bufferSize = 1000, onError?: (error: Error) => void) {
    const publisher = await createRedisStreamsPublisher(streams.options(key, overrides), { bufferSize, onError });
    publishers.push(publisher);
    return publisher;
  }

  it('adds one entry per event, in order, with the event JSON in field data', async () => {
    const key = streams.key();
    const publisher = await open(key);
    const events = Array.from({ length: 25 }, () => sampleEvent());
    for (const event of events) publisher.publish(event);
    expect(publisher.stats().buffered).toBe(25); // publish only queues
    await expect.poll(() => publisher.stats().sent).toBe(25);
    expect(await streamEvents(streams.redis, key)).toEqual(events);
    expect(publisher.stats()).toEqual({ transport: 'redis-streams', sent: 25, buffered: 0, dropped: 0, failedAttempts: 0 });
  });

  it('trims the stream to about REDIS_STREAM_MAX_LEN (MAXLEN ~), and not at all with 0', async () => {
    const [, nodeEntries] = (await streams.redis.config('GET', 'stream-node-max-entries')) as [string, string];
    const trimmed = streams.key();
    const untrimmed = streams.key();
    const bounded = await open(trimmed, { maxLen: 200 }, 5000);
    const unbounded = await open(untrimmed, { maxLen: 0 }, 5000);
    for (let index = 0; index < 3000; index++) {
      const event = sampleEvent();
      bounded.publish(event);
      unbounded.publish(event);
    }
    await expect.poll(() => bounded.stats().sent + unbounded.stats().sent).toBe(6000);
    const length = await streams.redis.xlen(trimmed);
    // Approximate trimming removes whole radix-tree nodes only: at least the bound, at most one node more.
    expect(length).toBeGreaterThanOrEqual(200);
    expect(length).toBeLessThanOrEqual(200 + Number(nodeEntries));
    expect(await streams.redis.xlen(untrimmed)).toBe(3000);
  });

  it('drops and counts what does not fit the buffer; publishing never throws', async () => {
    const key = streams.key();
    const publisher = await open(key, {}, 10);
    for (let index = 0; index < 25; index++) publisher.publish(sampleEvent());
    expect(publisher.stats()).toMatchObject({ buffered: 10, dropped: 15 });
    await expect.poll(() => publisher.stats().sent).toBe(10);
    expect(await streams.redis.xlen(key)).toBe(10);
  });

  it('counts entries Redis refuses as dropped and says why', async () => {
    const key = streams.key();
    await streams.redis.set(key, 'not a stream');
    const errors: Error[] = [];
    const publisher = await open(key, {}, 100, (error) => errors.push(error));
    publisher.publish(sampleEvent());
    publisher.publish(sampleEvent());
    await expect.poll(() => publisher.stats().dropped).toBe(2);
    expect(publisher.stats()).toMatchObject({ sent: 0, buffered: 0 });
    expect(errors[0]?.message).toMatch(/Redis refused events for stream .*WRONGTYPE/);
  });

  it('keeps events while Redis is away and sends them when it is back (none lost while the buffer holds)', async () => {
    const key = streams.key();
    const relay = await startTcpRelay(6379);
    try {
      const publisher = await open(key, { port: relay.port }, 100);
      publisher.publish(sampleEvent());
      await expect.poll(() => publisher.stats().sent).toBe(1);
      relay.down();
      const during = Array.from({ length: 40 }, () => sampleEvent());
      for (const event of during) publisher.publish(event);
      // Give the flush a chance to run (and fail) while Redis is away.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(publisher.stats()).toMatchObject({ sent: 1, buffered: 40, dropped: 0 });
      relay.up();
      await expect.poll(() => publisher.stats().sent, { timeout: 10_000 }).toBe(41);
      const ids = (await streamEvents(streams.redis, key)).map((event) => event.event_id);
      expect(ids.slice(1)).toEqual(during.map((event) => event.event_id));
      expect(publisher.stats()).toMatchObject({ buffered: 0, dropped: 0 });
    } finally {
      await relay.close();
    }
  });

  it('sends what is buffered on close, and counts what could not be sent as dropped', async () => {
    const key = streams.key();
    const publisher = await createRedisStreamsPublisher(streams.options(key), { bufferSize: 1000 });
    for (let index = 0; index < 50; index++) publisher.publish(sampleEvent());
    expect(await publisher.close(5000)).toEqual({ unsent: 0 });
    expect(await streams.redis.xlen(key)).toBe(50);
    publisher.publish(sampleEvent());
    expect(publisher.stats()).toMatchObject({ sent: 50, dropped: 1 });

    const relay = await startTcpRelay(6379);
    const away = await createRedisStreamsPublisher(streams.options(streams.key(), { port: relay.port }), { bufferSize: 1000 });
    relay.down();
    for (let index = 0; index < 3; index++) away.publish(sampleEvent());
    expect(await away.close(200)).toEqual({ unsent: 3 });
    expect(away.stats()).toMatchObject({ sent: 0, buffered: 0, dropped: 3 });
    await relay.close();
  });
});

describe('Redis Streams publisher start', () => {
  it('rejects naming the address and the fix when Redis cannot be reached', async () => {
    const port = await closedPort();
    const streams = testStreams();
    const start = createRedisStreamsPublisher(streams.options('unused', { port, password: 'never-shown-secret' }), { bufferSize: 10 });
    await expect(start).rejects.toBeInstanceOf(RedisUnreachableError);
    await expect(start).rejects.toThrowError(
      new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} for LLM_PROXY_EVENT_BUS=redis-streams: connect ECONNREFUSED .*set LLM_PROXY_EVENT_BUS=in-memory\\)$`),
    );
    await expect(start).rejects.not.toThrowError(/never-shown-secret/);
    streams.redis.disconnect();
  });
});
