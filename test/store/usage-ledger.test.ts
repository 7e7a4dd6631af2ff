import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleCall } from '../support/proxy-event.js';
import { type CallRecord, type EventUsage } from '../../src/events/index.js';
import {
  DatabaseLockedError,
  createUsageLedger,
  deleteProject,
  hasUsage,
  insertProject,
  sumUsageByProject,
  sumUsageByTime,
  type Database,
  type UsageCounts,
} from '../../src/store/index.js';
import { holdWriteLock } from '../support/lock-holder.js';
import { enginesUnderTest, openTestDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-05-01T10:00:00.000Z');

/** A proxy event as the event stage builds it, with the fields the ledger reads set by the test. */
function event(fields: Partial<CallRecord> & { at: number }): CallRecord {
  const { at, ...rest } = fields;
  return sampleCall({
    started_ms: at,
    duration_ms: 5,
    upstream_ms: 4,
    project_id: 'project-a',
    token_id: 'token-a1',
    ...rest,
  });
}

function usage(prompt: number, completion: number, extra: Partial<EventUsage> = {}): EventUsage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, cached_tokens: 0, reasoning_tokens: 0, source: 'provider', ...extra };
}

function counts(partial: Partial<UsageCounts>): UsageCounts {
  return {
    requests: 0,
    errors: 0,
    cacheHits: 0,
    upstreamCalls: 0,
    upstreamMs: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    estimatedCalls: 0,
    ...partial,
  };
}

async function tableRows(database: Database) {
  return database.db.selectFrom('usage_hourly').selectAll().orderBy('hour_start').orderBy('token_id').execute();
}

const wholeDay = { from: new Date(T0 - 10 * HOUR_MS), to: new Date(T0 + 14 * HOUR_MS) };

for (const { engine, name, unavailable } of await enginesUnderTest())
describe.skipIf(unavailable !== undefined)(`usage ledger (${name})`, () => {
  let db: TestDatabase;
  let database: Database;

  beforeEach(async () => {
    db = await openTestDatabase({ engine });
    database = db.database;
  });
  afterEach(() => db.dispose());

  it('sums calls by hour, project and token: requests, errors, upstream time, tokens (none for cache hits), cache hits, estimates', async () => {
    const ledger = createUsageLedger(database, { flushIntervalMs: 60_000 });
    ledger.record(event({ at: T0 + 1_000, usage: usage(10, 5, { cached_tokens: 4, reasoning_tokens: 2 }) }));
    ledger.record(event({ at: T0 + 2_000, status: 502, upstream_ms: 30, error_code: 'upstream_error' }));
    ledger.record(event({ at: T0 + 3_000, status: 0, upstream_ms: 6, usage: usage(7, 3, { source: 'estimated' }) }));
    ledger.record(event({ at: T0 + 4_000, upstream_ms: null, cache_status: 'hit', usage: usage(10, 5) })); // no tokens spent upstream
    ledger.record(event({ at: T0 + 5_000, status: 429, upstream_ms: null, error_code: 'rate_limit_exceeded' }));
    ledger.record(event({ at: T0 + 6_000, cache_status: 'miss' }));
    ledger.record(event({ at: T0 + 7_000, token_id: 'token-a2' }));
    ledger.record(event({ at: T0 + HOUR_MS + 1, usage: usage(1, 1) })); // the next hour
    ledger.record(event({ at: T0 + 8_000, project_id: 'project-b', token_id: 'token-b1', status: 404 }));
    // Refused before the token was known: not part of a per-project ledger.
    ledger.record(event({ at: T0 + 9_000, project_id: null, token_id: null, status: 401, upstream_ms: null }));
    await ledger.close();

    const rows = await tableRows(database);
    expect(rows.map((row) => [row.hour_start, row.project_id, row.token_id, row.requests])).toEqual([
      ['2026-05-01T10:00:00.000Z', 'project-a', 'token-a1', 6],
      ['2026-05-01T10:00:00.000Z', 'project-a', 'token-a2', 1],
      ['2026-05-01T10:00:00.000Z', 'project-b', 'token-b1', 1],
      ['2026-05-01T11:00:00.000Z', 'project-a', 'token-a1', 1],
    ]);
    expect(rows[0]).toMatchObject({
      errors: 3, // 502, 0 (client gone), 429
      upstream_calls: 4,
      upstream_ms: 4 + 30 + 6 + 4,
      cache_hits: 1,
      estimated_calls: 1,
      prompt_tokens: 17,
      completion_tokens: 8,
      total_tokens: 25,
      cached_tokens: 4,
      reasoning_tokens: 2,
    });

    const byHour = await sumUsageByTime(database, { ...wholeDay, projectId: 'project-a' }, 'hour');
    expect(byHour.map((bucket) => [bucket.start.toISOString(), bucket.counts.requests])).toEqual([
      ['2026-05-01T10:00:00.000Z', 7],
      ['2026-05-01T11:00:00.000Z', 1],
    ]);
    const byDay = await sumUsageByTime(database, wholeDay, 'day');
    expect(byDay).toEqual([
      {
        start: new Date('2026-05-01T00:00:00.000Z'),
        counts: counts({
          requests: 9,
          errors: 4,
          cacheHits: 1,
          upstreamCalls: 7,
          upstreamMs: 4 + 30 + 6 + 4 + 4 + 4 + 4,
          promptTokens: 18,
          completionTokens: 9,
          totalTokens: 27,
          cachedTokens: 4,
          reasoningTokens: 2,
          estimatedCalls: 1,
        }),
      },
    ]);
    const oneToken = await sumUsageByTime(database, { ...wholeDay, tokenId: 'token-a2' }, 'day');
    expect(oneToken.map((bucket) => bucket.counts.requests)).toEqual([1]);
  });

  it('sums days from their hours: each UTC day its own bucket, in order, with the hours of no other day', async () => {
    const ledger = createUsageLedger(database, { flushIntervalMs: 60_000 });
    // 23:xx on 30 April, 00:xx and 10:xx on 1 May, 00:xx on 2 May.
    for (const at of [T0 - 11 * HOUR_MS + 1, T0 - 10 * HOUR_MS + 1, T0 + 1, T0 + 14 * HOUR_MS + 1]) ledger.record(event({ at, usage: usage(2, 1) }));
    await ledger.close();
    const days = await sumUsageByTime(database, { from: new Date(T0 - 12 * HOUR_MS), to: new Date(T0 + 20 * HOUR_MS) }, 'day');
    expect(days.map((day) => [day.start.toISOString(), day.counts.requests, day.counts.promptTokens])).toEqual([
      ['2026-04-30T00:00:00.000Z', 1, 2],
      ['2026-05-01T00:00:00.000Z', 2, 4],
      ['2026-05-02T00:00:00.000Z', 1, 2],
    ]);
  });

  it('adds to the rows of earlier writes (upsert), and ranges include from and exclude to', async () => {
    const ledger = createUsageLedger(database, { flushIntervalMs: 60_000 });
    ledger.record(event({ at: T0, usage: usage(2, 2) }));
    await ledger.flush();
    ledger.record(event({ at: T0 + 59 * 60_000, usage: usage(3, 3) }));
    ledger.record(event({ at: T0 + HOUR_MS }));
    await ledger.close();
    expect((await tableRows(database)).map((row) => [row.hour_start, row.requests, row.total_tokens])).toEqual([
      ['2026-05-01T10:00:00.000Z', 2, 10],
      ['2026-05-01T11:00:00.000Z', 1, 0],
    ]);
    const oneHour = await sumUsageByTime(database, { from: new Date(T0), to: new Date(T0 + HOUR_MS) }, 'hour');
    expect(oneHour.map((bucket) => bucket.counts.requests)).toEqual([2]);
  });

  it('writes a flush in one transaction, however many hours and tokens it holds', async () => {
    let writes = 0;
    const counting: Database = { ...database, write: (attempt) => ((writes += 1), database.write(attempt)) };
    const ledger = createUsageLedger(counting, { flushIntervalMs: 60_000 });
    // 1,200 rows: more than one INSERT statement's worth, still one transaction.
    for (let hour = 0; hour < 24; hour++) {
      for (let token = 0; token < 50; token++) ledger.record(event({ at: T0 + hour * HOUR_MS, token_id: `token-${token}` }));
    }
    await ledger.flush();
    expect(writes).toBe(1);
    expect(await tableRows(database)).toHaveLength(1_200);
    await ledger.flush(); // nothing pending: no write at all
    expect(writes).toBe(1);
    await ledger.close();
  });

  it('writes behind on its timer, without a flush', async () => {
    const ledger = createUsageLedger(database, { flushIntervalMs: 20 });
    ledger.record(event({ at: T0 }));
    for (let attempt = 0; attempt < 250 && (await tableRows(database)).length === 0; attempt++) await sleep(20);
    expect((await tableRows(database)).map((row) => row.requests)).toEqual([1]);
    await ledger.close();
  });

  it('sums by project, naming the projects that still exist', async () => {
    const now = new Date(T0);
    const kept = await insertProject(database, { name: 'kept', storedApiKey: 'sk-x', now });
    const gone = await insertProject(database, { name: 'gone', storedApiKey: 'sk-y', now });
    const ledger = createUsageLedger(database, { flushIntervalMs: 60_000 });
    ledger.record(event({ at: T0, project_id: kept.id, token_id: 't1', usage: usage(1, 2) }));
    ledger.record(event({ at: T0, project_id: kept.id, token_id: 't2' }));
    ledger.record(event({ at: T0, project_id: gone.id, token_id: 't3', status: 500 }));
    await ledger.close();
    await deleteProject(database, gone.id);

    const byProject = await sumUsageByProject(database, wholeDay);
    const expected = [
      { projectId: kept.id, projectName: 'kept', counts: counts({ requests: 2, upstreamCalls: 2, upstreamMs: 8, promptTokens: 1, completionTokens: 2, totalTokens: 3 }) },
      { projectId: gone.id, projectName: null, counts: counts({ requests: 1, errors: 1, upstreamCalls: 1, upstreamMs: 4 }) },
    ].sort((a, b) => a.projectId.localeCompare(b.projectId));
    expect(byProject).toEqual(expected);
    expect(await hasUsage(database, { projectId: gone.id })).toBe(true);
    expect(await hasUsage(database, { tokenId: 't2' })).toBe(true);
    expect(await hasUsage(database, { projectId: 'never-used' })).toBe(false);
  });
});

describe('usage ledger while another process holds the write lock', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeEach(async () => {
    db = await openTestDatabase({ lockTimeoutMs: 150 });
  });
  afterEach(() => db.dispose());

  it('keeps the sums of a failed write and writes them once the lock is released, losing none', async () => {
    const { database } = db;
    const ledger = createUsageLedger(database, { flushIntervalMs: 60_000 });
    const holder = await holdWriteLock(db.path, 1_000);
    for (let i = 0; i < 3; i++) ledger.record(event({ at: T0, usage: usage(1, 1) }));
    await expect(ledger.flush()).rejects.toBeInstanceOf(DatabaseLockedError);
    ledger.record(event({ at: T0 + HOUR_MS, usage: usage(1, 1) })); // recorded while the write failed
    ledger.record(event({ at: T0, usage: usage(1, 1) }));
    expect(await tableRows(database)).toEqual([]);
    await holder.released;
    await ledger.close();
    expect((await tableRows(database)).map((row) => [row.hour_start, row.requests, row.total_tokens])).toEqual([
      ['2026-05-01T10:00:00.000Z', 4, 8],
      ['2026-05-01T11:00:00.000Z', 1, 2],
    ]);
  });

  it('retries on its own timer after failures, reporting them', async () => {
    const { database } = db;
    const failures: unknown[] = [];
    const ledger = createUsageLedger(database, { flushIntervalMs: 20, onError: (error) => failures.push(error) });
    const holder = await holdWriteLock(db.path, 600);
    ledger.record(event({ at: T0 }));
    await holder.released;
    for (let attempt = 0; attempt < 250 && (await tableRows(database)).length === 0; attempt++) await sleep(20);
    expect((await tableRows(database)).map((row) => row.requests)).toEqual([1]);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toBeInstanceOf(DatabaseLockedError);
    await ledger.close();
  });
});
