import { insertAuditEvents, type AuditEvent } from './audit-events.js';
import type { Database } from './database.js';
import { scheduleWriteBehind } from './write-behind.js';

/**
 * Write-behind of audit records: a management request only appends its record to memory; a timer
 * inserts what is pending in one transaction. While another process holds the database lock the
 * records wait in memory (on timers, never blocking the event loop) and land once it is released.
 */
export interface AuditWriter {
  add(event: AuditEvent): void;
  /** Writes everything added so far (GET /manage/audit calls it, so that it reads every record). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  /** Records dropped because maxPending were already waiting. */
  readonly droppedCount: number;
  /** Writes that failed (their records were kept for the next one, up to maxPending). */
  readonly failedWrites: number;
}

export interface AuditWriterOptions {
  /** Default 100 ms. */
  readonly flushIntervalMs?: number;
  /** Records kept in memory while the database cannot take them (a lock held for long); more are dropped. Default 10,000. */
  readonly maxPending?: number;
  readonly onError?: (error: unknown) => void;
  /** Called at the first record dropped since the last successful write, with the total dropped so far. */
  readonly onDrop?: (droppedCount: number) => void;
}

export function createAuditWriter(database: Database, options: AuditWriterOptions = {}): AuditWriter {
  const maxPending = options.maxPending ?? 10_000;
  let pending: AuditEvent[] = [];
  let droppedCount = 0;
  let failedWrites = 0;
  let isDropReported = false;

  function drop(count: number): void {
    if (count <= 0) return;
    droppedCount += count;
    if (!isDropReported) {
      isDropReported = true;
      options.onDrop?.(droppedCount);
    }
  }

  async function writeBatch(): Promise<void> {
    const batch = pending;
    pending = [];
    try {
      await insertAuditEvents(database, batch);
      isDropReported = false;
    } catch (error) {
      failedWrites += 1;
      // Back in front of what arrived meanwhile, order kept; the newest give way past the bound.
      const merged = batch.concat(pending);
      drop(merged.length - maxPending);
      pending = merged.slice(0, maxPending);
      throw error;
    }
  }

  const writer = scheduleWriteBehind({
    hasPending: () => pending.length > 0,
    write: writeBatch,
    intervalMs: options.flushIntervalMs ?? 100,
    onError: options.onError,
  });

  return {
    add(event) {
      if (pending.length < maxPending) {
        pending.push(event);
        return;
      }
      drop(1);
    },
    flush: writer.flush,
    close: writer.close,
    get droppedCount() {
      return droppedCount;
    },
    get failedWrites() {
      return failedWrites;
    },
  };
}
