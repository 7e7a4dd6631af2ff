import type { Database } from './database.js';
import { applyUsageDeltas, type UsageDelta } from './tokens.js';

/**
 * Write-behind of usage counters for tokens without max_requests: the request path only bumps
 * an in-memory counter; a timer writes the sums in one transaction. Counts are never dropped: a
 * failed write is merged back and retried with the next batch.
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
    if (pending.size === 0) return;
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

  // Writes run one at a time: a flush requested during a write waits for it, then writes the rest.
  let writes: Promise<void> = Promise.resolve();
  function flush(): Promise<void> {
    const next = writes.then(writeBatch);
    writes = next.catch(() => undefined);
    return next;
  }

  const timer = setInterval(() => {
    flush().catch((error: unknown) => options.onError?.(error));
  }, options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    recordRequest(tokenId, atMs, count = 1) {
      entry(tokenId, atMs).requests += count;
    },
    recordCacheHit(tokenId, atMs) {
      entry(tokenId, atMs).cacheHits += 1;
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
