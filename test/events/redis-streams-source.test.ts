import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStreamsSource, RedisUnreachableError, type EventSource, type RedisStreamsSourceTuning, type ReceivedEvent } from '../../src/events/index.js';
import { closedPort, redisUnavailable, startTcpRelay } from '../support/tcp-relay.js';
import { addEvents, sampleEvent, testStreams } from './redis-streams-support.js';

const unreachable = await redisUnavailable();

describe.skipIf(unreachable !== undefined)('Redis Streams source (real Redis on 127.0.0.1:6379)', () => {
  const streams = testStreams();
  const sources: EventSource[] = [];
  afterAll(async () => {
    for (const source of sources) await source.close();
    await streams.cleanup();
  });

  async function open(key: string, overrides: Parameters<typeof streams.options>[1] = {}, tuning: RedisStreamsSourceTuning = {}): Promise<EventSource> {
    const source = await createRedisStreamsSource(streams.options(key, overrides), tuning);
    sources.push(source);
    return source;
  }

  /** Reads until `count` events came or `attempts` reads returned nothing new. */
  async function readAll(source: EventSource, count: number, max = 100, attempts = 50): Promise<ReceivedEvent[]> {
    const all: ReceivedEvent[] = [];
    for (let left = attempts; all.length < count && left > 0; left--) all.push(...(await source.read(max, 100)));
    return all;
  }

  const pendingCount = async (key: string) => ((await streams.redis.xpending(key, 'test-group')) as [number])[0];

  it('delivers what was published, in order, with the entry id to acknowledge; ack removes it from pending', async () => {
    const key = streams.key();
    const source = await open(key);
    const events = Array.from({ length: 10 }, () => sampleEvent());
    const ids = await addEvents(streams.redis, key, events);
    const first = await source.read(4, 1000);
    expect(first.map((received) => received.event)).toEqual(events.slice(0, 4));
    expect(first.map((received) => received.deliveryId)).toEqual(ids.slice(0, 4));
    expect(first.map((received) => received.json)).toEqual(events.slice(0, 4).map((event) => JSON.stringify(event))); // the entry's data, as published
    expect(await pendingCount(key)).toBe(4);
    await source.ack(first);
    expect(await pendingCount(key)).toBe(0);
    const rest = await source.read(100, 1000);
    expect(rest.map((received) => received.event.event_id)).toEqual(events.slice(4).map((event) => event.event_id));
    expect(await source.read(100, 50)).toEqual([]);
    expect(source.description).toBe(`redis-streams ${key}@127.0.0.1:6379 (group test-group, consumer consumer-a)`);
  });

  it('shares a stream between two consumers of one group without overlap', async () => {
    const key = streams.key();
    const [a, b] = [await open(key, { consumerName: 'a' }), await open(key, { consumerName: 'b' })];
    const events = Array.from({ length: 300 }, () => sampleEvent());
    await addEvents(streams.redis, key, events);
    const seenBy = { a: [] as string[], b: [] as string[] };
    for (let round = 0; round < 50 && seenBy.a.length + seenBy.b.length < 300; round++) {
      const [fromA, fromB] = await Promise.all([a.read(25, 100), b.read(25, 100)]);
      seenBy.a.push(...fromA.map((received) => received.event.event_id));
      seenBy.b.push(...fromB.map((received) => received.event.event_id));
      await Promise.all([a.ack(fromA), b.ack(fromB)]);
    }
    expect(seenBy.a.length).toBeGreaterThan(0);
    expect(seenBy.b.length).toBeGreaterThan(0);
    expect(seenBy.a.filter((id) => seenBy.b.includes(id))).toEqual([]);
    expect([...seenBy.a, ...seenBy.b].sort()).toEqual(events.map((event) => event.event_id).sort());
  });

  it.each<[string, RedisStreamsSourceTuning]>([
    ['XAUTOCLAIM', {}],
    ['XPENDING + XCLAIM (Redis < 6.2)', { claimWith: 'xpending' }],
  ])('lets another consumer claim what a dead one read and never acknowledged (%s)', async (_name, tuning) => {
    const key = streams.key();
    const events = Array.from({ length: 5 }, () => sampleEvent());
    await addEvents(streams.redis, key, events);
    const dead = await createRedisStreamsSource(streams.options(key, { consumerName: 'dead' }));
    expect(await dead.read(100, 1000)).toHaveLength(5);
    await dead.close(); // died mid-batch: nothing acknowledged

    const survivor = await open(key, { consumerName: 'survivor', claimIdleMs: 200 }, tuning);
    const claimed = await readAll(survivor, 5);
    expect(claimed.map((received) => received.event)).toEqual(events);
    await survivor.ack(claimed);
    expect(await pendingCount(key)).toBe(0);
  });

  it.each<[string, RedisStreamsSourceTuning]>([
    ['XAUTOCLAIM', {}],
    ['XPENDING + XCLAIM (Redis < 6.2)', { claimWith: 'xpending' }],
  ])('never claims back entries it holds itself, however long they wait for the sink (%s)', async (_name, tuning) => {
    const key = streams.key();
    const events = Array.from({ length: 5 }, () => sampleEvent());
    await addEvents(streams.redis, key, events);
    const source = await open(key, { consumerName: 'slow', claimIdleMs: 100 }, tuning);
    const held = await source.read(100, 1000);
    expect(held).toHaveLength(5);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a sink slower than REDIS_STREAM_CLAIM_TIME
    const later = [...(await source.read(100, 100)), ...(await source.read(100, 100))];
    expect(later).toEqual([]);
    await source.ack(held);
    expect(await pendingCount(key)).toBe(0);
  });

  it.each<[string, RedisStreamsSourceTuning]>([
    ['XAUTOCLAIM', {}],
    ['XPENDING + XCLAIM (Redis < 6.2)', { claimWith: 'xpending' }],
  ])('does not deliver again entries acknowledged while a claim sent before the acknowledgement was under way (%s)', async (_name, tuning) => {
    const key = streams.key();
    await addEvents(streams.redis, key, Array.from({ length: 5 }, () => sampleEvent()));
    const source = await open(key, { consumerName: 'busy-loop', claimIdleMs: 100 }, tuning);
    const held = await source.read(100, 1000);
    expect(held).toHaveLength(5);
    // The process is too busy to keep its entries fresh (a large batch being written): they go idle.
    const busyUntil = Date.now() + 300;
    while (Date.now() < busyUntil);
    const reading = source.read(100, 100); // its claim goes out first…
    const acknowledged = source.ack(held); // …then the acknowledgement, on the same connection
    await acknowledged;
    expect(await reading).toEqual([]);
    expect(await pendingCount(key)).toBe(0);
  });

  it.each<[string, RedisStreamsSourceTuning]>([
    ['XAUTOCLAIM', {}],
    ['XPENDING + XCLAIM (Redis < 6.2)', { claimWith: 'xpending' }],
  ])('keeps what it holds from other consumers of the group, however long the sink takes (%s)', async (_name, tuning) => {
    const key = streams.key();
    await addEvents(streams.redis, key, Array.from({ length: 5 }, () => sampleEvent()));
    const busy = await open(key, { consumerName: 'busy', claimIdleMs: 600 });
    const held = await busy.read(100, 1000);
    expect(held).toHaveLength(5);
    const other = await open(key, { consumerName: 'other', claimIdleMs: 600 }, tuning);
    const taken: ReceivedEvent[] = [];
    for (let round = 0; round < 6; round++) {
      taken.push(...(await other.read(100, 100)));
      await new Promise((resolve) => setTimeout(resolve, 300)); // 2.4 s in all: four times the claim time
    }
    expect(taken).toEqual([]);
    await busy.ack(held);
    expect(await pendingCount(key)).toBe(0);
  });

  it.each<[string, number, RedisStreamsSourceTuning]>([
    ['claimed once idle, XAUTOCLAIM', 100, {}],
    ['claimed once idle, XPENDING + XCLAIM (Redis < 6.2)', 100, { claimWith: 'xpending' }],
    ['its pending list read again on reconnection, long before REDIS_STREAM_CLAIM_TIME', 60_000, {}],
  ])('delivers again its own entries whose acknowledgement failed for good (connection lost), none it still holds (%s)', async (_name, claimIdleMs, tuning) => {
    const key = streams.key();
    const ids = await addEvents(streams.redis, key, Array.from({ length: 6 }, () => sampleEvent()));
    const relay = await startTcpRelay(6379);
    try {
      const source = await open(key, { port: relay.port, consumerName: 'unlucky', claimIdleMs }, tuning);
      const first = await source.read(3, 1000);
      const second = await source.read(3, 1000);
      expect([...first, ...second].map((received) => received.deliveryId)).toEqual(ids);
      relay.down();
      await expect(source.ack(first)).rejects.toThrow(); // the sink took them; Redis never heard
      relay.up();
      const again: ReceivedEvent[] = [];
      for (let attempt = 0; attempt < 50 && again.length < 3; attempt++) again.push(...(await source.read(100, 100).catch(() => [])));
      // The first three come back (the sink sees them twice: at-least-once); the three still held do not.
      expect(again.map((received) => received.deliveryId)).toEqual(ids.slice(0, 3));
      await source.ack([...again, ...second]);
      expect(await pendingCount(key)).toBe(0);
    } finally {
      await relay.close();
    }
  });

  it('reads its own unacknowledged entries first when restarted under the same name', async () => {
    const key = streams.key();
    const events = Array.from({ length: 5 }, () => sampleEvent());
    await addEvents(streams.redis, key, events);
    const before = await createRedisStreamsSource(streams.options(key, { consumerName: 'fixed' }));
    expect(await before.read(3, 1000)).toHaveLength(3);
    await before.close();
    const after = await open(key, { consumerName: 'fixed' });
    const again = await after.read(100, 1000);
    expect(again.map((received) => received.event)).toEqual(events.slice(0, 3));
    const next = await after.read(100, 1000);
    expect(next.map((received) => received.event)).toEqual(events.slice(3));
  });

  it('dead-letters with the original data, the reason and the entry id, and leaves nothing pending', async () => {
    const key = streams.key();
    const source = await open(key);
    const ids = await addEvents(streams.redis, key, [sampleEvent(), sampleEvent()]);
    const original = await streams.redis.xrange(key, '-', '+');
    const batch = await source.read(10, 1000);
    await source.deadLetter(batch, 'sink refused: HTTP 400');
    expect(await pendingCount(key)).toBe(0);
    const letters = await streams.redis.xrange(`${key}:dead-letter`, '-', '+');
    expect(letters.map(([, fields]) => fields)).toEqual(
      original.map(([id, fields]) => ['data', fields[1], 'reason', 'sink refused: HTTP 400', 'original_id', id, 'consumer', 'consumer-a']),
    );
    expect(letters).toHaveLength(ids.length);
  });

  it('dead-letters entries that are not proxy events instead of delivering them, and goes on', async () => {
    const key = streams.key();
    const source = await open(key);
    const good = sampleEvent();
    await streams.redis.xadd(key, '*', 'data', '{not json');
    await streams.redis.xadd(key, '*', 'other', 'field');
    await streams.redis.xadd(key, '*', 'data', '{"hello":"world"}');
    await addEvents(streams.redis, key, [good]);
    const batch = await source.read(10, 1000);
    expect(batch.map((received) => received.event)).toEqual([good]);
    const reasons = (await streams.redis.xrange(`${key}:dead-letter`, '-', '+')).map(([, fields]) => fields[fields.indexOf('reason') + 1]);
    expect(reasons).toEqual([
      expect.stringMatching(/^unparsable entry: .*JSON/),
      'unparsable entry: no data field',
      'unparsable entry: not a proxy event (no event_id or schema_version)',
    ]);
    expect(await pendingCount(key)).toBe(1); // the good one, until acknowledged
  });

  it('tells how many entries the group has not been given yet', async () => {
    const key = streams.key();
    const source = await open(key);
    await addEvents(streams.redis, key, Array.from({ length: 10 }, () => sampleEvent()));
    expect(await source.lag()).toBe(10);
    await source.read(4, 1000);
    expect(await source.lag()).toBe(6);
  });

  it('close() ends a read that is waiting for entries', async () => {
    const source = await open(streams.key());
    const waiting = source.read(10, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the read block in Redis
    await source.close();
    await expect(waiting).resolves.toEqual([]);
    await expect(source.read(10, 60_000)).resolves.toEqual([]);
  });

  it('stopReading() ends a read that is waiting for entries; acknowledgements still go through', async () => {
    const key = streams.key();
    const source = await open(key);
    await addEvents(streams.redis, key, [sampleEvent()]);
    const taken = await source.read(10, 1000);
    expect(taken).toHaveLength(1);
    const waiting = source.read(10, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the read block in Redis
    source.stopReading?.();
    await expect(waiting).resolves.toEqual([]);
    await addEvents(streams.redis, key, [sampleEvent()]);
    await expect(source.read(10, 1000)).resolves.toEqual([]);
    await source.ack(taken);
    expect(await pendingCount(key)).toBe(0);
  });

  it('reads at most REDIS_STREAM_BATCH_SIZE entries at once, whatever it is asked for', async () => {
    const key = streams.key();
    const source = await open(key, { batchSize: 3 });
    const events = Array.from({ length: 8 }, () => sampleEvent());
    await addEvents(streams.redis, key, events);
    const sizes: number[] = [];
    for (let read = 0; read < 3; read++) sizes.push((await source.read(100, 1000)).length);
    expect(sizes).toEqual([3, 3, 2]);
  });

  it('rejects reads while Redis is away and delivers again once it is back', async () => {
    const key = streams.key();
    const relay = await startTcpRelay(6379);
    try {
      const source = await open(key, { port: relay.port });
      relay.down();
      await expect(source.read(10, 200)).rejects.toThrowError(new RegExp(`reading ${key} from Redis at 127\\.0\\.0\\.1:${relay.port} failed`));
      const [event] = [sampleEvent()];
      await addEvents(streams.redis, key, [event]);
      relay.up();
      let received: ReceivedEvent[] = [];
      for (let attempt = 0; attempt < 50 && received.length === 0; attempt++) received = await source.read(10, 200).catch(() => []);
      expect(received.map((one) => one.event)).toEqual([event]);
    } finally {
      await relay.close();
    }
  });
});

describe('Redis Streams source start', () => {
  it('rejects naming the address when Redis cannot be reached', async () => {
    const port = await closedPort();
    const streams = testStreams();
    const start = createRedisStreamsSource(streams.options('unused', { port }));
    await expect(start).rejects.toBeInstanceOf(RedisUnreachableError);
    await expect(start).rejects.toThrowError(new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} for the event stream unused: connect ECONNREFUSED`));
    streams.redis.disconnect();
  });
});
