import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type ProxyEvent, type RedisStreamsOptions } from '../../src/events/index.js';

/** Stream keys of one test file, unique per run (tests in parallel do not meet), deleted at the end. */
export interface TestStreams {
  /** A client of the Redis on 127.0.0.1:6379 to look at what the code under test wrote. */
  readonly redis: Redis;
  /** A new stream key (its dead-letter stream is deleted with it). */
  key(): string;
  /** Options for that key, on 127.0.0.1:6379 unless `port` says otherwise. */
  options(key: string, overrides?: Partial<RedisStreamsOptions>): RedisStreamsOptions;
  cleanup(): Promise<void>;
}

export function testStreams(): TestStreams {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const keys: string[] = [];
  return {
    redis,
    key() {
      const key = `llm-proxy-test:events:${randomUUID()}`;
      keys.push(key, `${key}:dead-letter`);
      return key;
    },
    options: (key, overrides = {}) => ({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      password: undefined,
      address: `127.0.0.1:${overrides.port ?? 6379}`,
      streamKey: key,
      deadLetterStreamKey: `${key}:dead-letter`,
      consumerGroup: 'test-group',
      consumerName: 'consumer-a',
      maxLen: 0,
      blockMs: 100,
      claimIdleMs: 30_000,
      batchSize: 100,
      ...overrides,
    }),
    async cleanup() {
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

export { sampleEvent } from '../support/proxy-event.js';

/** Adds events to a stream the way the publisher does (field `data`); resolves with their entry ids. */
export async function addEvents(redis: Redis, key: string, events: readonly ProxyEvent[]): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(key, '*', 'data', JSON.stringify(event));
  return ((await pipeline.exec()) ?? []).map(([, id]) => String(id));
}

/** The `data` field of every entry, parsed. */
export async function streamEvents(redis: Redis, key: string): Promise<ProxyEvent[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1] ?? 'null') as ProxyEvent);
}
