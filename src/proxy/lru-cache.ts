/** A bounded map that evicts the least recently used entry; `get` and `set` count as uses. */
export interface LruCache<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  delete(key: K): void;
  /** Removes every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void;
  clear(): void;
  readonly size: number;
}

export function createLruCache<K, V>(maxEntries: number): LruCache<K, V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  const entries = new Map<K, V>();
  // The steady state hits the same entry again and again: it is already the most recent.
  let newest: K | undefined;

  return {
    get(key) {
      const value = entries.get(key);
      if (value !== undefined && key !== newest) {
        entries.delete(key);
        entries.set(key, value);
        newest = key;
      }
      return value;
    },
    set(key, value) {
      if (!entries.delete(key) && entries.size >= maxEntries) entries.delete(entries.keys().next().value as K);
      entries.set(key, value);
      newest = key;
    },
    delete(key) {
      entries.delete(key);
      if (key === newest) newest = undefined;
    },
    deleteWhere(matches) {
      for (const [key, value] of entries) if (matches(value)) this.delete(key);
    },
    clear() {
      entries.clear();
      newest = undefined;
    },
    get size() {
      return entries.size;
    },
  };
}
