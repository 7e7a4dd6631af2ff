import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type ProxyEvent, type RedisStreamsOptions } from '../../src/events/index.js';

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

let sequence = 0;

/** A schema v1 event with a unique id. */
export function sampleEvent(overrides: Partial<ProxyEvent> = {}): ProxyEvent {
  sequence += 1;
  return {
    schema_version: PROXY_EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    request_id: `req-${sequence}`,
    started_at: '2025-01-01T00:00:00.000Z',
    ended_at: '2025-01-01T00:00:00.010Z',
    duration_ms: 10,
    upstream_ms: 8,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    project_id: 'project-1',
    token_id: 'token-1',
    model: 'gpt-4o-mini',
    stream: false,
    cache_status: null,
    usage: MISSING_USAGE,
    request_body: null,
    response_body: null,
    error_code: null,
    aborted: false,
    ...overrides,
  };
}

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
