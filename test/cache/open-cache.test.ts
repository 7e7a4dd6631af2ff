import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CacheBackendUnavailable, openHttpCache } from '../../src/cache/index.js';
import { createTestConfig } from '../../src/config/index.js';

describe('openHttpCache', () => {
  it('opens the in-memory cache by default', async () => {
    const cache = await openHttpCache(createTestConfig().cache);
    expect((await cache?.stats())?.backend).toBe('in-memory');
    await cache?.close();
  });

  it('opens nothing when HTTP_CACHE_ENABLED=false', async () => {
    expect(await openHttpCache(createTestConfig({ HTTP_CACHE_ENABLED: 'false' }).cache)).toBeUndefined();
  });

  it('refuses to start with Redis down, naming the address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const settings = createTestConfig({ HTTP_CACHE_BACKEND: 'redis', REDIS_ADDR: `127.0.0.1:${port}`, REDIS_DB: '1' }).cache;
    const opening = openHttpCache(settings);
    await expect(opening).rejects.toBeInstanceOf(CacheBackendUnavailable);
    await expect(opening).rejects.toThrow(`Redis cache at 127.0.0.1:${port}/1 is unreachable`);
  });
});
