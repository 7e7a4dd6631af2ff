import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleCall } from '../support/proxy-event.js';
import {
  SETTLED_DAY_TTL_MS,
  createUsageDays,
  createUsageLedger,
  emptyUsageCounts,
  sumUsageByProject,
  sumUsageByTime,
  type Database,
  type UsageCounts,
  type UsageDays,
} from '../../src/store/index.js';
import { addUsageHours } from '../../src/store/usage-hourly.js';
import { enginesUnderTest, openTestDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Today starts at TODAY; the clock reads noon, so every earlier day is settled (ended 2 h ago or more). */
const TODAY = Date.parse('2026-05-10T00:00:00.000Z');
const NOON = TODAY + 12 * HOUR_MS;
const week = { from: new Date(TODAY - 6 * DAY_MS), to: new Date(TODAY + DAY_MS) };

function requests(count: number, tokens = 0): UsageCounts {
  return { ...emptyUsageCounts(), requests: count, totalTokens: tokens };
}

/** Adds to the table as another instance's ledger would: this process's sums are not told. */
async function writeRow(database: Database, at: number, projectId: string, counts: UsageCounts, tokenId = `${projectId}-t1`): Promise<void> {
  await addUsageHours(database, [{ hourStart: new Date(Math.floor(at / HOUR_MS) * HOUR_MS), projectId, tokenId, counts }]);
}

/** The day sums as [day, requests] and the project sums as [project, requests]. */
async function summary(days: UsageDays, filter: { projectId?: string; tokenId?: string } = {}) {
  const report = await days.sum({ ...week, ...filter });
  return {
    days: report.days.map((day) => [day.start.toISOString().slice(0, 10), day.counts.requests]),
    projects: [...report.projects].map(([id, counts]) => [id, counts.requests]).sort(),
  };
}

for (const { engine, name, unavailable } of await enginesUnderTest())
describe.skipIf(unavailable !== undefined)(`usage sums by day, settled days kept (${name})`, () => {
  let db: TestDatabase;
  let database: Database;
  let clock: number;
  let days: UsageDays;

  beforeEach(async () => {
    db = await openTestDatabase({ engine });
    database = db.database;
    clock = NOON;
    days = createUsageDays(database, { now: () => new Date(clock) });
    await writeRow(database, TODAY - 6 * DAY_MS + HOUR_MS, 'project-a', requests(1, 10));
    await writeRow(database, TODAY - 2 * DAY_MS + 5 * HOUR_MS, 'project-a', requests(2, 20));
    await writeRow(database, TODAY - 2 * DAY_MS + 23 * HOUR_MS, 'project-b', requests(4, 40), 'project-b-t1');
    await writeRow(database, TODAY - 2 * DAY_MS + 23 * HOUR_MS, 'project-b', requests(8, 80), 'project-b-t2');
    await writeRow(database, TODAY + HOUR_MS, 'project-a', requests(16, 160));
  });
  afterEach(() => db.dispose());

  it('gives the sums of the ledger itself: by day (days without usage left out) and by project, whole or filtered', async () => {
    expect(await summary(days)).toEqual({
      days: [['2026-05-04', 1], ['2026-05-08', 14], ['2026-05-10', 16]],
      projects: [['project-a', 19], ['project-b', 12]],
    });
    // Asked twice: the second answer comes from the kept days and is the same.
    expect(await summary(days)).toEqual(await summary(days));
    const byTime = await sumUsageByTime(database, week, 'day');
    expect((await days.sum(week)).days).toEqual(byTime);
    const byProject = await sumUsageByProject(database, week);
    expect([...(await days.sum(week)).projects].sort()).toEqual(byProject.map((project) => [project.projectId, project.counts]));
    expect(await summary(days, { projectId: 'project-b' })).toEqual({ days: [['2026-05-08', 12]], projects: [['project-b', 12]] });
    expect(await summary(days, { tokenId: 'project-b-t2' })).toEqual({ days: [['2026-05-08', 8]], projects: [['project-b', 8]] });
  });

  it('shows a row of today at once, and a late row of another instance in a settled day within the TTL', async () => {
    await summary(days);
    await writeRow(database, TODAY + 2 * HOUR_MS, 'project-b', requests(32));
    await writeRow(database, TODAY - 2 * DAY_MS + HOUR_MS, 'project-b', requests(64));
    // Today is read from the ledger each time; the settled day is the kept one.
    expect((await summary(days)).days).toEqual([['2026-05-04', 1], ['2026-05-08', 14], ['2026-05-10', 48]]);
    // Another filter was never kept: it reads the ledger.
    expect((await summary(days, { projectId: 'project-b' })).days).toEqual([['2026-05-08', 76], ['2026-05-10', 32]]);
    clock += SETTLED_DAY_TTL_MS;
    expect((await summary(days)).days).toEqual([['2026-05-04', 1], ['2026-05-08', 78], ['2026-05-10', 48]]);
  });

  it('forgets a settled day at once when this instance writes to it late (the ledger tells it)', async () => {
    const ledger = createUsageLedger(database, { flushIntervalMs: 60_000, onWritten: (hours) => days.forget(hours) });
    await summary(days);
    ledger.record(sampleCall({ started_ms: TODAY - 2 * DAY_MS + HOUR_MS, project_id: 'project-a', token_id: 'project-a-t1' }));
    await ledger.flush();
    expect((await summary(days)).days).toEqual([['2026-05-04', 1], ['2026-05-08', 15], ['2026-05-10', 16]]);
    await ledger.close();
  });

  it('keeps no day that is not settled: yesterday is read from the ledger until 02:00 UTC today', async () => {
    clock = TODAY + HOUR_MS;
    await summary(days);
    await writeRow(database, TODAY - DAY_MS + 23 * HOUR_MS, 'project-a', requests(128));
    await writeRow(database, TODAY - 3 * DAY_MS, 'project-a', requests(256));
    // Yesterday's late row shows; the day before, settled and kept, waits for the TTL.
    expect((await summary(days)).days).toEqual([['2026-05-04', 1], ['2026-05-08', 14], ['2026-05-09', 128], ['2026-05-10', 16]]);
  });

  it('reads a range that does not fall on whole days from the ledger, and keeps no more sums than its bound', async () => {
    const partial = { from: new Date(TODAY - 2 * DAY_MS + 12 * HOUR_MS), to: new Date(TODAY) };
    expect((await days.sum(partial)).days.map((day) => day.counts.requests)).toEqual([12]);
    await writeRow(database, TODAY - 2 * DAY_MS + 13 * HOUR_MS, 'project-a', requests(512));
    expect((await days.sum(partial)).days.map((day) => day.counts.requests)).toEqual([524]);

    const small = createUsageDays(database, { now: () => new Date(clock), maxCachedSums: 2 });
    await summary(small);
    await writeRow(database, TODAY - 6 * DAY_MS + HOUR_MS, 'project-a', requests(1_024));
    // Only the newest sums were kept: the oldest day was dropped and is read again.
    expect((await summary(small)).days[0]).toEqual(['2026-05-04', 1_025]);
  });
});
