import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CacheBackendDown, CacheBackendUnavailable, type CacheStore, type PurgeFilter, type StoreStats } from './cache-store.js';
import { decodeEntry, encodeEntry, entryBytes } from './entry.js';

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port/db or rediss://… (REDIS_CACHE_URL, or built from REDIS_ADDR/REDIS_DB). */
  readonly url: string;
  /** Prepended to every key (REDIS_CACHE_KEY_PREFIX). */
  readonly keyPrefix: string;
  readonly maxObjectBytes: number;
  /** A command slower than this fails, and the request goes upstream. */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Told about connection trouble (the caller decides how loudly to log it). */
  readonly onError?: (error: Error) => void;
}

/** host:port/db of a Redis URL, for messages: never the password. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.replace(/^\//, '') || '0';
    return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}/${db}`;
  } catch {
    return 'an unparsable REDIS_CACHE_URL';
  }
}

/** Escapes SCAN MATCH glob characters. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

const SCAN_COUNT = 1000;
const LOCK_SUFFIX = '#lock';

/** Deletes a lock only while it still holds this instance's token (it may have expired and moved on). */
const UNLOCK_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Entries in Redis under `<prefix><project>:<hash>`, in encodeEntry's binary form with a PX
 * expiry. Commands never queue while the connection is down and time out quickly, so a Redis
 * lost mid-run turns every get/set into a fast CacheBackendDown (the client reconnects in the
 * background). Resolves once connected; rejects with CacheBackendUnavailable naming the address.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<CacheStore> {
  const address = redisAddress(options.url);
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  client.on('error', (error: Error) => options.onError?.(error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = error instanceof Error ? error.message : String(error);
    throw new CacheBackendUnavailable(`Redis cache at ${address} is unreachable: ${reason}`);
  }

  const prefix = options.keyPrefix;
  const lockToken = randomUUID();
  const isEntry = (key: string): boolean => !key.endsWith(LOCK_SUFFIX);

  async function command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new CacheBackendDown(`Redis cache at ${address}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Every key matching the pattern, batch by batch. */
  async function scan(pattern: string, onBatch: (keys: string[]) => Promise<void>): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) await onBatch(keys);
    } while (cursor !== '0');
  }

  function purgePattern(filter: PurgeFilter): string {
    const project = filter.projectId === undefined ? '*' : globLiteral(filter.projectId);
    const key = filter.key === undefined ? '' : globLiteral(filter.key.toLowerCase());
    return `${globLiteral(prefix)}${project}:${key}*`;
  }

  return {
    name: 'redis',
    get: (key) =>
      command(async () => {
        const data = await client.getBuffer(prefix + key);
        return data === null ? undefined : decodeEntry(data);
      }),
    set: (key, entry, ttlMs) =>
      command(async () => {
        if (entryBytes(entry) > options.maxObjectBytes || ttlMs <= 0) {
          await client.unlink(prefix + key);
          return false;
        }
        await client.set(prefix + key, encodeEntry(entry), 'PX', Math.ceil(ttlMs));
        return true;
      }),
    delete: (key) => command(async () => (await client.unlink(prefix + key)) > 0),
    purge: (filter) =>
      command(async () => {
        let removed = 0;
        await scan(purgePattern(filter), async (keys) => {
          await client.unlink(...keys);
          removed += keys.filter(isEntry).length;
        });
        return removed;
      }),
    stats: () =>
      command(async (): Promise<StoreStats> => {
        let entries = 0;
        let bytes = 0;
        await scan(`${globLiteral(prefix)}*`, async (all) => {
          const keys = all.filter(isEntry);
          entries += keys.length;
          const pipeline = client.pipeline();
          for (const key of keys) pipeline.strlen(key);
          for (const [, length] of (await pipeline.exec()) ?? []) bytes += typeof length === 'number' ? length : 0;
        });
        return { entries, bytes, evictions: 0 };
      }),
    tryLock: (key, ttlMs) => command(async () => (await client.set(prefix + key + LOCK_SUFFIX, lockToken, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK'),
    unlock: (key) =>
      command(async () => {
        await client.eval(UNLOCK_SCRIPT, 1, prefix + key + LOCK_SUFFIX, lockToken);
      }),
    async close() {
      client.disconnect();
    },
  };
}
