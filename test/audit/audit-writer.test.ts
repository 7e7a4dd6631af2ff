import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createAuditWriter, listAuditEvents, type Database } from '../../src/store/index.js';
import { holdWriteLock } from '../support/lock-holder.js';
import { openTestDatabase } from '../support/test-database.js';

describe('audit records written behind', () => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  async function open(): Promise<{ database: Database; path: string }> {
    const opened = await openTestDatabase({ lockTimeoutMs: 200 });
    dispose = opened.dispose;
    return opened;
  }

  const count = async (database: Database) => (await listAuditEvents(database, {}, { offset: 0, limit: 100 })).totalCount;

  it('keeps at most maxPending records while the database is locked, reports the drop once, and writes the rest in order after', async () => {
    const { database, path } = await open();
    const errors: unknown[] = [];
    const drops: number[] = [];
    const writer = createAuditWriter(database, { flushIntervalMs: 20, maxPending: 3, onError: (error) => errors.push(error), onDrop: (dropped) => drops.push(dropped) });
    const log = createAuditLog({ writer, now: () => new Date(), onError: (error) => errors.push(error) });
    const lock = await holdWriteLock(path, 1_000);
    for (let i = 0; i < 5; i++) log.record({ action: 'project.create', actor: 'management:****abcd', outcome: 'success', metadata: { seq: i } });
    expect(writer.droppedCount).toBe(2);
    expect(drops).toEqual([1]); // reported at the first drop, not once per record
    await expect(log.flush()).rejects.toThrow(/database is locked/);
    expect(await count(database)).toBe(0);
    await lock.released;
    await log.flush();
    const { events } = await listAuditEvents(database, {}, { offset: 0, limit: 100 });
    expect(events.map((event) => event.metadata?.seq)).toEqual([2, 1, 0]);
    expect(errors.every((error) => /database is locked/.test(String(error)))).toBe(true);
    expect(log.stats()).toEqual({ records: 5, fileDropped: 0, databaseDropped: 2, databaseWriteFailures: writer.failedWrites });
    expect(writer.failedWrites).toBeGreaterThanOrEqual(1); // the flush above, and any timer write during the lock
    await log.close();
  });

  it('writes on its own timer, and what is left on close', async () => {
    const { database } = await open();
    const writer = createAuditWriter(database, { flushIntervalMs: 20 });
    const record = () => writer.add({ ...EVENT, id: crypto.randomUUID() });
    record();
    for (let attempt = 0; attempt < 100 && (await count(database)) === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await count(database)).toBe(1);
    record();
    record();
    await writer.close();
    expect(await count(database)).toBe(3);
  });
});

const EVENT = {
  id: '',
  timestamp: new Date('2026-03-01T10:00:00Z'),
  action: 'cache.purge',
  actor: 'management:****abcd',
  outcome: 'success',
  projectId: null,
  tokenId: null,
  requestId: null,
  correlationId: null,
  clientIp: null,
  method: null,
  path: null,
  userAgent: null,
  reason: null,
  metadata: null,
} as const;
