import { describe, expect, it } from 'vitest';
import { entryBytes } from '../../src/cache/entry.js';
import { createMemoryStore } from '../../src/cache/memory-store.js';
import { makeEntry } from './entries.js';

describe('memory store', () => {
  const one = entryBytes(makeEntry(1000));

  it('gets what it set, until the TTL passes', async () => {
    let clock = 1_000_000;
    const store = createMemoryStore({ maxBytes: 1e6, maxObjectBytes: 1e6, now: () => clock });
    const entry = makeEntry(10);
    expect(await store.set('p:a', entry, 5000)).toBe(true);
    expect(await store.get('p:a')).toBe(entry);
    clock += 4999;
    expect(store.getNow('p:a')).toBe(entry);
    clock += 1;
    expect(await store.get('p:a')).toBeUndefined();
    expect(await store.stats()).toEqual({ entries: 0, bytes: 0, evictions: 0 });
  });

  it('never holds more than maxBytes, evicting the least recently used', async () => {
    const store = createMemoryStore({ maxBytes: one * 3, maxObjectBytes: one });
    for (const key of ['p:a', 'p:b', 'p:c']) await store.set(key, makeEntry(1000), 60_000);
    expect(await store.get('p:a')).toBeDefined(); // a is now the most recently used
    await store.set('p:d', makeEntry(1000), 60_000);
    expect(await store.get('p:b')).toBeUndefined();
    expect(await store.get('p:a')).toBeDefined();
    expect(await store.get('p:c')).toBeDefined();
    expect(await store.get('p:d')).toBeDefined();
    const stats = await store.stats();
    expect(stats).toEqual({ entries: 3, bytes: one * 3, evictions: 1 });

    for (let i = 0; i < 100; i++) {
      await store.set(`p:${i}`, makeEntry(i * 10), 60_000);
      expect((await store.stats()).bytes).toBeLessThanOrEqual(one * 3);
    }
  });

  it('keeps the order of use when the newest entry is read again and again', async () => {
    const store = createMemoryStore({ maxBytes: one * 2, maxObjectBytes: one });
    await store.set('p:a', makeEntry(1000), 60_000);
    await store.set('p:b', makeEntry(1000), 60_000);
    for (let i = 0; i < 3; i++) expect(store.getNow('p:b')).toBeDefined(); // already the newest
    expect(store.getNow('p:a')).toBeDefined(); // now a is the newest, b the oldest
    await store.set('p:c', makeEntry(1000), 60_000);
    expect(store.getNow('p:b')).toBeUndefined();
    expect(store.getNow('p:a')).toBeDefined();
    await store.delete('p:a'); // the newest gone: the next read of c must still move it up
    await store.set('p:d', makeEntry(1000), 60_000);
    expect(store.getNow('p:c')).toBeDefined();
    await store.set('p:e', makeEntry(1000), 60_000);
    expect(store.getNow('p:d')).toBeUndefined();
    expect(store.getNow('p:c')).toBeDefined();
  });

  it('refuses objects over maxObjectBytes, dropping the older answer under that key', async () => {
    const store = createMemoryStore({ maxBytes: one * 10, maxObjectBytes: one });
    expect(await store.set('p:a', makeEntry(1000), 60_000)).toBe(true);
    expect(await store.set('p:a', makeEntry(1001), 60_000)).toBe(false);
    expect(await store.get('p:a')).toBeUndefined();
    expect((await store.stats()).bytes).toBe(0);
  });

  it('replaces an entry and keeps the byte count exact', async () => {
    const store = createMemoryStore({ maxBytes: one * 10, maxObjectBytes: one });
    await store.set('p:a', makeEntry(1000), 60_000);
    await store.set('p:a', makeEntry(500), 60_000);
    expect(await store.stats()).toMatchObject({ entries: 1, bytes: entryBytes(makeEntry(500)) });
  });

  it('purges all, by project, by short key, and deletes one', async () => {
    const store = createMemoryStore({ maxBytes: 1e6, maxObjectBytes: 1e6 });
    const keys = ['p1:aaaa1111', 'p1:bbbb2222', 'p2:aaaa3333', 'p2:cccc4444'];
    const fill = async (): Promise<void> => {
      for (const key of keys) await store.set(key, makeEntry(1), 60_000);
    };
    await fill();
    expect(await store.purge({ projectId: 'p1' })).toBe(2);
    expect(await store.get('p2:aaaa3333')).toBeDefined();
    await fill();
    expect(await store.purge({ key: 'AAAA' })).toBe(2);
    expect(await store.get('p1:bbbb2222')).toBeDefined();
    await fill();
    expect(await store.purge({ projectId: 'p2', key: 'aaaa' })).toBe(1);
    expect(await store.delete('p1:bbbb2222')).toBe(true);
    expect(await store.delete('p1:bbbb2222')).toBe(false);
    expect(await store.purge({})).toBe(2);
    expect((await store.stats()).entries).toBe(0);
  });
});
