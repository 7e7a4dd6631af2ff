import type { Config } from '../config/index.js';
import { createHttpCache, type HttpCache } from './http-cache.js';
import { createMemoryStore } from './memory-store.js';

export interface OpenCacheOptions {
  /** Told about Redis trouble after start (connection lost, command failed). */
  readonly onBackendError?: (error: Error) => void;
}

/**
 * The HTTP cache the configuration asks for, or undefined when HTTP_CACHE_ENABLED=false.
 * With the Redis backend it connects first and rejects with CacheBackendUnavailable (naming the
 * address, never the password) when Redis cannot be reached: the server then exits 1.
 */
export async function openHttpCache(settings: Config['cache'], options: OpenCacheOptions = {}): Promise<HttpCache | undefined> {
  if (!settings.enabled) return undefined;
  // The Redis client is loaded only when Redis is the backend: the default costs no memory for it.
  const store =
    settings.backend === 'redis'
      ? await (await import('./redis-store.js')).createRedisStore({
          url: settings.redisUrl,
          keyPrefix: settings.redisKeyPrefix,
          maxObjectBytes: settings.maxObjectBytes,
          onError: options.onBackendError,
        })
      : createMemoryStore({ maxBytes: settings.maxBytes, maxObjectBytes: settings.maxObjectBytes });
  return createHttpCache({
    store,
    defaultTtlSeconds: settings.defaultTtlMs / 1000,
    maxObjectBytes: settings.maxObjectBytes,
    onBackendError: options.onBackendError,
  });
}
