import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadEventsConfig } from '../../src/config/index.js';
import { redisStreamsOptions } from '../../src/events/index.js';

const NO_FILE = '/nonexistent/.env';
const load = (env: Record<string, string>) => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath: NO_FILE });

describe('event bus settings', () => {
  it('has defaults: in-memory bus, the Go original names and values for Redis Streams', () => {
    expect(load({}).events).toEqual({
      backend: 'in-memory',
      bufferSize: 1000,
      redisStreams: {
        address: 'localhost:6379',
        db: 0,
        password: undefined,
        streamKey: 'llm-proxy-events',
        deadLetterStreamKey: 'llm-proxy-events:dead-letter',
        consumerGroup: 'llm-proxy-dispatchers',
        consumerName: undefined,
        maxLen: 10_000,
        blockMs: 5000,
        claimIdleMs: 30_000,
        batchSize: 100,
      },
    });
  });

  it('reads every variable', () => {
    const events = load({
      LLM_PROXY_EVENT_BUS: 'Redis-Streams',
      OBSERVABILITY_BUFFER_SIZE: '50',
      REDIS_ADDR: '[::1]:6380',
      REDIS_DB: '2',
      REDIS_PASSWORD: 'p@ss word',
      REDIS_STREAM_KEY: 'team-events',
      REDIS_CONSUMER_GROUP: 'shippers',
      REDIS_CONSUMER_NAME: 'shipper-1',
      REDIS_STREAM_MAX_LEN: '0',
      REDIS_STREAM_BLOCK_TIME: '250ms',
      REDIS_STREAM_CLAIM_TIME: '1m',
      REDIS_STREAM_BATCH_SIZE: '500',
      REDIS_DEAD_LETTER_STREAM_KEY: 'team-dlq',
    }).events;
    expect(events).toEqual({
      backend: 'redis-streams',
      bufferSize: 50,
      redisStreams: {
        address: '[::1]:6380',
        db: 2,
        password: 'p@ss word',
        streamKey: 'team-events',
        deadLetterStreamKey: 'team-dlq',
        consumerGroup: 'shippers',
        consumerName: 'shipper-1',
        maxLen: 0,
        blockMs: 250,
        claimIdleMs: 60_000,
        batchSize: 500,
      },
    });
  });

  it('puts REDIS_PASSWORD in the cache URL built from REDIS_ADDR (and nowhere else)', () => {
    expect(load({ REDIS_PASSWORD: 'p@ss word' }).cache.redisUrl).toBe('redis://:p%40ss%20word@localhost:6379/0');
    expect(load({ REDIS_PASSWORD: 'x', REDIS_CACHE_URL: 'redis://cache:6379/1' }).cache.redisUrl).toBe('redis://cache:6379/1');
  });

  it('refuses unknown buses and bad values, naming the variable and what is accepted', () => {
    expect(() => load({ LLM_PROXY_EVENT_BUS: 'redis' })).toThrowError(/LLM_PROXY_EVENT_BUS \(from environment\): got "redis"; accepted: in-memory, redis-streams/);
    expect(() => load({ REDIS_STREAM_MAX_LEN: '-1' })).toThrowError(/REDIS_STREAM_MAX_LEN .*accepted: a whole number, 0 or more/);
    expect(() => load({ REDIS_STREAM_BLOCK_TIME: 'soon' })).toThrowError(/REDIS_STREAM_BLOCK_TIME .*accepted: a positive duration/);
    expect(() => load({ REDIS_STREAM_BATCH_SIZE: '0' })).toThrowError(/REDIS_STREAM_BATCH_SIZE .*accepted: a positive whole number/);
    expect(() => load({ REDIS_STREAM_KEY: '   ' })).toThrowError(/REDIS_STREAM_KEY .*accepted: a Redis key name/);
  });

  it('loads on their own for the dispatcher: no MANAGEMENT_TOKEN needed, same errors', () => {
    const events = loadEventsConfig({ env: { LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_STREAM_KEY: 'k' }, envFilePath: NO_FILE });
    expect(events.backend).toBe('redis-streams');
    expect(events.redisStreams.deadLetterStreamKey).toBe('k:dead-letter');
    expect(Object.isFrozen(events.redisStreams)).toBe(true);
    expect(() => loadEventsConfig({ env: { REDIS_ADDR: 'nowhere' }, envFilePath: NO_FILE })).toThrowError(ConfigError);
    expect(() => loadEventsConfig({ env: { REDIS_ADDR: 'nowhere' }, envFilePath: NO_FILE })).toThrowError(/REDIS_ADDR \(from environment\): got "nowhere"/);
  });
});

describe('redisStreamsOptions', () => {
  const identity = { hostname: 'box', pid: 42 };

  it('splits the address and names the consumer after the host and process', () => {
    const options = redisStreamsOptions(load({}).events.redisStreams, identity);
    expect(options).toMatchObject({ host: 'localhost', port: 6379, address: 'localhost:6379', db: 0, consumerName: 'dispatcher-box-42' });
    expect(redisStreamsOptions(load({ REDIS_ADDR: '[::1]:7000' }).events.redisStreams, identity)).toMatchObject({ host: '::1', port: 7000 });
  });

  it('keeps a configured consumer name and every stream setting', () => {
    const settings = load({ REDIS_CONSUMER_NAME: 'fixed', REDIS_STREAM_MAX_LEN: '5', REDIS_STREAM_CLAIM_TIME: '2s' }).events.redisStreams;
    expect(redisStreamsOptions(settings, identity)).toMatchObject({
      consumerName: 'fixed',
      streamKey: 'llm-proxy-events',
      deadLetterStreamKey: 'llm-proxy-events:dead-letter',
      consumerGroup: 'llm-proxy-dispatchers',
      maxLen: 5,
      blockMs: 5000,
      claimIdleMs: 2000,
      batchSize: 100,
    });
  });
});
