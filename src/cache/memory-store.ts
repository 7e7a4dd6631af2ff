import { matchesPurge, type CacheStore, type PurgeFilter, type StoreStats } from './cache-store.js';
import { entryBytes, type CachedResponse } from './entry.js';

export interface MemoryStoreOptions {
  /** Total bytes the entries may take (HTTP_CACHE_MAX_BYTES); least recently used go first. */
  readonly maxBytes: number;
  /** Larger entries are not kept (HTTP_CACHE_MAX_OBJECT_BYTES). */
  readonly maxObjectBytes: number;
  readonly now?: () => number;
}

interface Slot {
  readonly entry: CachedResponse;
  readonly bytes: number;
  readonly expiresAt: number;
}

/** The in-process store: an LRU bounded in bytes (a Map keeps insertion order; a hit re-inserts). */
export interface MemoryStore extends CacheStore {
  /** The same as get, without a promise: for the hit path. */
  getNow(key: string): CachedResponse | undefined;
}

export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { maxBytes, maxObjectBytes } = options;
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  /** The key inserted or touched last (the Map's newest): touching it again needs no re-insert. */
  let newest: string | undefined;
  let bytes = 0;
  let evictions = 0;

  function remove(key: string, slot: Slot): void {
    slots.delete(key);
    bytes -= slot.bytes;
    if (key === newest) newest = undefined;
  }

  function getNow(key: string): CachedResponse | undefined {
    const slot = slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= now()) {
      remove(key, slot);
      return undefined;
    }
    if (key !== newest) {
      slots.delete(key);
      slots.set(key, slot);
      newest = key;
    }
    return slot.entry;
  }

  function setNow(key: string, entry: CachedResponse, ttlMs: number): boolean {
    const old = slots.get(key);
    if (old !== undefined) remove(key, old); // a newer answer replaces the old one, kept or not
    const size = entryBytes(entry);
    if (size > maxObjectBytes || size > maxBytes || ttlMs <= 0) return false;
    slots.set(key, { entry, bytes: size, expiresAt: now() + ttlMs });
    newest = key;
    bytes += size;
    for (const [oldestKey, oldest] of slots) {
      if (bytes <= maxBytes) break;
      remove(oldestKey, oldest);
      evictions++;
    }
    return true;
  }

  function purgeNow(filter: PurgeFilter): number {
    let removed = 0;
    for (const [key, slot] of slots) {
      if (!matchesPurge(key, filter)) continue;
      remove(key, slot);
      removed++;
    }
    return removed;
  }

  return {
    name: 'in-memory',
    getNow,
    get: (key) => Promise.resolve(getNow(key)),
    set: (key, entry, ttlMs) => Promise.resolve(setNow(key, entry, ttlMs)),
    delete(key) {
      const slot = slots.get(key);
      if (slot !== undefined) remove(key, slot);
      return Promise.resolve(slot !== undefined);
    },
    purge: (filter) => Promise.resolve(purgeNow(filter)),
    stats: (): Promise<StoreStats> => Promise.resolve({ entries: slots.size, bytes, evictions }),
    close() {
      slots.clear();
      newest = undefined;
      bytes = 0;
      return Promise.resolve();
    },
  };
}
