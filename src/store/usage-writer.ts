import type { Database } from './database.js';
import { applyUsageDeltas, type UsageDelta } from './tokens.js';
import { scheduleWriteBehind } from './write-behind.js';

/**
 * Write-behind of usage counters for tokens without max_requests: the request path only bumps
 * an in-memory counter; a timer writes the sums in one transaction every 50 ms, so a crash
 * (kill -9) loses at most the last ~100 ms of counts. A failed write (for instance while another
 * process holds the database lock) is merged back and retried with the next batch; while it
 * waits for the lock it waits on timers, never blocking the event loop.
 */
export interface UsageWriter {
  /** Counts `count` requests (-1 gives back one the proxy refused after counting it). */
  recordRequest(tokenId: string, atMs: number, count?: number): void;
  recordCacheHit(tokenId: string, atMs: number): void;
  /** Writes everything recorded so far (management reads call it to show exact counts). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

interface PendingUsage {
  requests: number;
  cacheHits: number;
  lastUsedAtMs: number;
}

export interface UsageWriterOptions {
  /** Bounds what a crash loses. Default 50 ms. */
  readonly flushIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
}

export function createUsageWriter(database: Database, options: UsageWriterOptions = {}): UsageWriter {
  let pending = new Map<string, PendingUsage>();

  function entry(tokenId: string, atMs: number): PendingUsage {
    let usage = pending.get(tokenId);
    if (usage === undefined) {
      usage = { requests: 0, cacheHits: 0, lastUsedAtMs: atMs };
      pending.set(tokenId, usage);
    } else if (atMs > usage.lastUsedAtMs) {
      usage.lastUsedAtMs = atMs;
    }
    return usage;
  }

  function mergeBack(batch: Map<string, PendingUsage>): void {
    for (const [tokenId, usage] of batch) {
      const current = entry(tokenId, usage.lastUsedAtMs);
      current.requests += usage.requests;
      current.cacheHits += usage.cacheHits;
    }
  }

  async function writeBatch(): Promise<void> {
    const batch = pending;
    pending = new Map();
    const deltas: UsageDelta[] = [];
    for (const [tokenId, usage] of batch) {
      deltas.push({ tokenId, requests: usage.requests, cacheHits: usage.cacheHits, lastUsedAt: new Date(usage.lastUsedAtMs) });
    }
    try {
      await applyUsageDeltas(database, deltas);
    } catch (error) {
      mergeBack(batch);
      throw error;
    }
  }

  const writer = scheduleWriteBehind({
    hasPending: () => pending.size > 0,
    write: writeBatch,
    intervalMs: options.flushIntervalMs ?? 50,
    onError: options.onError,
  });

  return {
    recordRequest(tokenId, atMs, count = 1) {
      entry(tokenId, atMs).requests += count;
    },
    recordCacheHit(tokenId, atMs) {
      entry(tokenId, atMs).cacheHits += 1;
    },
    flush: writer.flush,
    close: writer.close,
  };
}
