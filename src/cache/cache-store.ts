import type { CachedResponse } from './entry.js';

/** Which entries a purge removes: all, one project's, or those whose key starts with a short key. */
export interface PurgeFilter {
  readonly projectId?: string;
  /** An X-PROXY-CACHE-KEY value (or any prefix of the hash). */
  readonly key?: string;
}

export interface StoreStats {
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
}

/** Where entries live. Every method may reject with CacheBackendDown; callers then bypass the cache. */
export interface CacheStore {
  readonly name: 'in-memory' | 'redis';
  get(key: string): Promise<CachedResponse | undefined>;
  /** Stores in this process only: get() without a promise, so that a hit is answered synchronously. */
  getNow?(key: string): CachedResponse | undefined;
  /** Keeps the entry for ttlMs; false when it was not kept (over the object size cap). */
  set(key: string, entry: CachedResponse, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Removes matching entries; returns how many. */
  purge(filter: PurgeFilter): Promise<number>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
  /**
   * Shared stores only: a short lock so that one instance among several calls upstream for a key.
   * Resolves true when this caller now holds it (released by unlock, or after ttlMs).
   */
  tryLock?(key: string, ttlMs: number): Promise<boolean>;
  unlock?(key: string): Promise<void>;
}

/** The store cannot be reached right now: the request goes upstream instead (never fails for it). */
export class CacheBackendDown extends Error {
  override readonly name = 'CacheBackendDown';
}

/** The store could not be reached at start: the server refuses to start with this message. */
export class CacheBackendUnavailable extends Error {
  override readonly name = 'CacheBackendUnavailable';
}

/** Does a storage key (`<project>:<hex>`) match a purge filter? */
export function matchesPurge(storageKey: string, filter: PurgeFilter): boolean {
  const colon = storageKey.lastIndexOf(':');
  if (filter.projectId !== undefined && storageKey.slice(0, colon) !== filter.projectId) return false;
  if (filter.key !== undefined && !storageKey.startsWith(filter.key.toLowerCase(), colon + 1)) return false;
  return true;
}
