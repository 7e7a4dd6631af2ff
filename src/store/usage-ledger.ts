import type { Database } from './database.js';
import { addUsageCounts, addUsageHours, emptyUsageCounts, type UsageCounts, type UsageHourDelta } from './usage-hourly.js';
import { scheduleWriteBehind } from './write-behind.js';

/**
 * What the ledger reads of a proxied call: these fields of the proxy event (events/proxy-event.ts),
 * which is passed as is. Declared here so that store/ does not depend on the events module.
 */
export interface LedgerEntry {
  /** Unix milliseconds: the call is counted in the (UTC) hour it arrived. */
  readonly started_ms: number;
  readonly project_id: string | null;
  readonly token_id: string | null;
  /** HTTP status; 0 when the client left before any status was sent. */
  readonly status: number;
  /** null when the call did not go upstream. */
  readonly upstream_ms: number | null;
  readonly cache_status: string | null;
  readonly usage: {
    readonly prompt_tokens: number;
    readonly completion_tokens: number;
    readonly total_tokens: number;
    readonly cached_tokens: number;
    readonly reasoning_tokens: number;
    readonly source: string;
  };
}

/**
 * The usage ledger: usage per project and token, summed by UTC hour in `usage_hourly`. `record`
 * only adds to sums in memory, keyed by (hour, token); a timer adds them to the table about once
 * a second, in one transaction, so the request path never waits on the database. A write that
 * fails (the database locked by another process past DATABASE_LOCK_TIMEOUT) keeps its sums for
 * the next one. Memory holds one entry per hour and token seen since the last write.
 *
 * Calls without a project (refused before their token was known) are not counted: the ledger is
 * per project; they show in the access log and the events. Cache hits count as requests and
 * hits, never as tokens: the tokens are those the provider served (and bills).
 */
export interface UsageLedger {
  /** Adds one call; synchronous, never throws (an event recorder of the proxy). */
  readonly record: (entry: LedgerEntry) => void;
  /** Writes everything recorded so far (reads of the ledger call it first). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export interface UsageLedgerOptions {
  /** How far the table may lag behind the calls (and what a crash loses). Default 1 s. */
  readonly flushIntervalMs?: number;
  readonly onError?: (error: unknown) => void;
  /** After each write, the hours it added to (the settled-day sums forget those of past days). */
  readonly onWritten?: (hourStarts: readonly Date[]) => void;
}

interface PendingRow {
  readonly projectId: string;
  readonly counts: UsageCounts;
}

/** Hour (hours since 1970, UTC) → token id → sums. A token belongs to one project, so the token id is the key. */
type PendingHours = Map<number, Map<string, PendingRow>>;

const HOUR_MS = 3_600_000;

export function createUsageLedger(database: Database, options: UsageLedgerOptions = {}): UsageLedger {
  let pending: PendingHours = new Map();

  function rowOf(hour: number, projectId: string, tokenId: string): PendingRow {
    let tokens = pending.get(hour);
    if (tokens === undefined) {
      tokens = new Map();
      pending.set(hour, tokens);
    }
    let row = tokens.get(tokenId);
    if (row === undefined) {
      row = { projectId, counts: emptyUsageCounts() };
      tokens.set(tokenId, row);
    }
    return row;
  }

  function record(entry: LedgerEntry): void {
    const { project_id: projectId, token_id: tokenId } = entry;
    if (projectId === null || tokenId === null) return;
    if (!Number.isFinite(entry.started_ms)) return;
    const counts = rowOf(Math.floor(entry.started_ms / HOUR_MS), projectId, tokenId).counts;
    const { usage, status } = entry;
    counts.requests += 1;
    if (status >= 400 || status === 0) counts.errors += 1;
    if (entry.upstream_ms !== null) {
      counts.upstreamCalls += 1;
      counts.upstreamMs += entry.upstream_ms;
    }
    if (usage.source === 'estimated') counts.estimatedCalls += 1;
    // A cached answer cost no tokens upstream: the ledger counts what the provider served.
    if (entry.cache_status?.startsWith('hit')) {
      counts.cacheHits += 1;
      return;
    }
    counts.promptTokens += usage.prompt_tokens;
    counts.completionTokens += usage.completion_tokens;
    counts.cachedTokens += usage.cached_tokens;
    counts.reasoningTokens += usage.reasoning_tokens;
    counts.totalTokens += usage.total_tokens;
  }

  function mergeBack(batch: PendingHours): void {
    for (const [hour, tokens] of batch) {
      for (const [tokenId, row] of tokens) addUsageCounts(rowOf(hour, row.projectId, tokenId).counts, row.counts);
    }
  }

  async function write(): Promise<void> {
    const batch = pending;
    pending = new Map();
    const deltas: UsageHourDelta[] = [];
    for (const [hour, tokens] of batch) {
      const hourStart = new Date(hour * HOUR_MS);
      for (const [tokenId, row] of tokens) deltas.push({ hourStart, projectId: row.projectId, tokenId, counts: row.counts });
    }
    try {
      await addUsageHours(database, deltas);
    } catch (error) {
      mergeBack(batch);
      throw error;
    }
    options.onWritten?.([...batch.keys()].map((hour) => new Date(hour * HOUR_MS)));
  }

  const writer = scheduleWriteBehind({ hasPending: () => pending.size > 0, write, intervalMs: options.flushIntervalMs ?? 1_000, onError: options.onError });
  return { record, flush: writer.flush, close: writer.close };
}
