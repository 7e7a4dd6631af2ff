export { parseCacheControl, requestDirectives, type CacheDirectives } from './cache-control.js';
export { planRequest, decideStorage, judgeStored, currentAge, type RequestPlan, type RequestBypass, type StoreTiming } from './policy.js';
export { deriveKey, type CacheKey } from './key.js';
export type { CachedResponse } from './entry.js';
export { CacheBackendDown, CacheBackendUnavailable, type CacheStore, type PurgeFilter, type StoreStats } from './cache-store.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export {
  createHttpCache,
  type CacheForward,
  type CacheHit,
  type CacheLookup,
  type CacheRequest,
  type CacheCounters,
  type CacheStats,
  type CacheTap,
  type CacheUnsatisfiable,
  type HttpCache,
  type HttpCacheOptions,
} from './http-cache.js';
export { replayBody, type ReplayOptions } from './replay.js';
export { openHttpCache, type OpenCacheOptions } from './open-cache.js';
