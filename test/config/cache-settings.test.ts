import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const load = (env: Record<string, string>) => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath: '/nonexistent/.env' });

describe('HTTP cache settings', () => {
  it('has defaults: enabled, in memory, bounded, 300 s default TTL, local Redis', () => {
    expect(load({}).cache).toEqual({
      enabled: true,
      backend: 'in-memory',
      maxBytes: 128 * 1024 * 1024,
      maxObjectBytes: 1024 * 1024,
      defaultTtlMs: 300_000,
      streamReplay: 'paced',
      redisUrl: 'redis://localhost:6379/0',
      redisKeyPrefix: 'llmproxy:cache:',
    });
  });

  it('reads every variable', () => {
    const cache = load({
      HTTP_CACHE_ENABLED: 'false',
      HTTP_CACHE_BACKEND: 'Redis',
      HTTP_CACHE_MAX_BYTES: '64MiB',
      HTTP_CACHE_MAX_OBJECT_BYTES: '2MB',
      HTTP_CACHE_DEFAULT_TTL: '0',
      HTTP_CACHE_STREAM_REPLAY: 'fast',
      REDIS_ADDR: '10.0.0.5:6380',
      REDIS_DB: '3',
      REDIS_CACHE_KEY_PREFIX: 'team:',
    }).cache;
    expect(cache).toMatchObject({ enabled: false, backend: 'redis', maxBytes: 64 * 1024 * 1024, maxObjectBytes: 2_000_000, defaultTtlMs: 0, streamReplay: 'fast' });
    expect(cache.redisUrl).toBe('redis://10.0.0.5:6380/3');
    expect(cache.redisKeyPrefix).toBe('team:');
  });

  it('takes REDIS_CACHE_URL over REDIS_ADDR and REDIS_DB', () => {
    expect(load({ REDIS_CACHE_URL: 'rediss://user:pw@cache.example:6390/4', REDIS_ADDR: 'other:1' }).cache.redisUrl).toBe('rediss://user:pw@cache.example:6390/4');
  });

  it.each([
    ['HTTP_CACHE_BACKEND', 'memcached', /HTTP_CACHE_BACKEND \(from environment\): got "memcached"; accepted: in-memory, redis/],
    ['HTTP_CACHE_ENABLED', 'maybe', /HTTP_CACHE_ENABLED .*true or false/],
    ['HTTP_CACHE_MAX_BYTES', 'lots', /HTTP_CACHE_MAX_BYTES .*positive size/],
    ['HTTP_CACHE_DEFAULT_TTL', '-5s', /HTTP_CACHE_DEFAULT_TTL .*0 \(none\)/],
    ['HTTP_CACHE_STREAM_REPLAY', 'slow', /HTTP_CACHE_STREAM_REPLAY .*paced, fast/],
    ['REDIS_ADDR', 'localhost', /REDIS_ADDR .*host:port/],
    ['REDIS_DB', '-1', /REDIS_DB .*0 or more/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrowError(message);
  });

  it('refuses an object cap above the total cap', () => {
    expect(() => load({ HTTP_CACHE_MAX_BYTES: '1MiB', HTTP_CACHE_MAX_OBJECT_BYTES: '2MiB' })).toThrowError(
      /HTTP_CACHE_MAX_OBJECT_BYTES .*must not exceed HTTP_CACHE_MAX_BYTES/,
    );
  });

  it('never repeats a bad REDIS_CACHE_URL (it may hold a password)', () => {
    let message = '';
    try {
      load({ REDIS_CACHE_URL: 'http://user:s3cret@host' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/REDIS_CACHE_URL .*redis:\/\/ or rediss:\/\//);
    expect(message).not.toContain('s3cret');
  });
});
