import type { Database } from './database.js';
import { addUsageCounts, emptyUsageCounts, sumUsageByHourAndProject, type HourProjectSums, type UsageBucketSums, type UsageCounts, type UsageFilter } from './usage-hourly.js';

const DAY_MS = 86_400_000;

/** A settled day is read again after this long, whoever wrote to it: the bound on a late row of another instance. */
export const SETTLED_DAY_TTL_MS = 10 * 60_000;
/** A UTC day is settled this long after its end: later rows only come from writes that failed and were retried. */
export const SETTLE_AFTER_MS = 2 * 3_600_000;
/** At most this many (day, project) sums are kept; the oldest kept go first. */
const MAX_CACHED_SUMS = 100_000;

export interface UsageDaysReport {
  /** Days that hold usage, oldest first. */
  readonly days: UsageBucketSums[];
  /** Sums by project over the whole range. */
  readonly projects: Map<string, UsageCounts>;
}

/**
 * The usage ledger summed by UTC day and by project, with the sums of settled days (ended more
 * than SETTLE_AFTER_MS ago) kept in memory: a 30-day report reads the ledger of today (and
 * yesterday, early in the day) and no more. Rows still reach a settled day when a ledger write
 * failed and was retried later: this instance's own writes forget the day at once (`forget`, from
 * the ledger), another instance's show within SETTLED_DAY_TTL_MS.
 */
export interface UsageDays {
  /** Sums over `filter` (whole UTC days; a range that is not is read from the ledger in full). */
  sum(filter: UsageFilter): Promise<UsageDaysReport>;
  /** Rows of these hours were written: their days are read again. */
  forget(hourStarts: readonly Date[]): void;
}

export interface UsageDaysOptions {
  readonly now: () => Date;
  readonly ttlMs?: number;
  readonly settleAfterMs?: number;
  readonly maxCachedSums?: number;
}

interface CachedDay {
  readonly byProject: ReadonlyMap<string, Readonly<UsageCounts>>;
  readonly readAt: number;
}

/** Sums by project of each day, from rows by hour and project. */
function foldDays(rows: readonly HourProjectSums[]): Map<number, Map<string, UsageCounts>> {
  const days = new Map<number, Map<string, UsageCounts>>();
  for (const row of rows) {
    const day = Math.floor(row.hourStart.getTime() / DAY_MS) * DAY_MS;
    let byProject = days.get(day);
    if (byProject === undefined) days.set(day, (byProject = new Map()));
    const sums = byProject.get(row.projectId);
    if (sums === undefined) byProject.set(row.projectId, row.counts);
    else addUsageCounts(sums, row.counts);
  }
  return days;
}

export function createUsageDays(database: Database, options: UsageDaysOptions): UsageDays {
  const { now } = options;
  const ttlMs = options.ttlMs ?? SETTLED_DAY_TTL_MS;
  const settleAfterMs = options.settleAfterMs ?? SETTLE_AFTER_MS;
  const maxCachedSums = options.maxCachedSums ?? MAX_CACHED_SUMS;
  /** `${day ms}|${project id}|${token id}` → the day's sums, in the order they were read. */
  const cache = new Map<string, CachedDay>();
  let cachedSums = 0;
  /** Bumped by forget: a read that started before stores nothing (it may predate the write). */
  let generation = 0;

  const keyOf = (day: number, filter: UsageFilter) => `${day}|${filter.projectId ?? ''}|${filter.tokenId ?? ''}`;

  function remove(key: string): void {
    const entry = cache.get(key);
    if (entry === undefined) return;
    cache.delete(key);
    cachedSums -= entry.byProject.size + 1;
  }

  function store(key: string, entry: CachedDay): void {
    remove(key);
    cache.set(key, entry);
    cachedSums += entry.byProject.size + 1;
    for (const oldest of cache.keys()) {
      if (cachedSums <= maxCachedSums) break;
      remove(oldest);
    }
  }

  /** The settled days of the range, from the cache or read (one query over the span of those missing). */
  async function settledDays(filter: UsageFilter, from: number, to: number, at: number): Promise<Map<number, ReadonlyMap<string, Readonly<UsageCounts>>>> {
    const days = new Map<number, ReadonlyMap<string, Readonly<UsageCounts>>>();
    let missingFrom = Infinity;
    let missingTo = -Infinity;
    for (let day = from; day < to; day += DAY_MS) {
      const entry = cache.get(keyOf(day, filter));
      if (entry !== undefined && at - entry.readAt < ttlMs) days.set(day, entry.byProject);
      else {
        missingFrom = Math.min(missingFrom, day);
        missingTo = day + DAY_MS;
      }
    }
    if (missingTo < 0) return days;
    const startedAt = generation;
    const read = foldDays(await sumUsageByHourAndProject(database, { ...filter, from: new Date(missingFrom), to: new Date(missingTo) }));
    for (let day = missingFrom; day < missingTo; day += DAY_MS) {
      const byProject = read.get(day) ?? new Map<string, UsageCounts>();
      days.set(day, byProject);
      if (generation === startedAt) store(keyOf(day, filter), { byProject, readAt: at });
    }
    return days;
  }

  return {
    async sum(filter) {
      const at = now().getTime();
      const from = filter.from.getTime();
      const to = filter.to.getTime();
      const whole = from % DAY_MS === 0 && to % DAY_MS === 0;
      const settledEnd = whole ? Math.max(from, Math.min(to, Math.floor((at - settleAfterMs) / DAY_MS) * DAY_MS)) : from;
      const [settled, live] = await Promise.all([
        settledDays(filter, from, settledEnd, at),
        settledEnd < to ? sumUsageByHourAndProject(database, { ...filter, from: new Date(settledEnd), to: filter.to }).then(foldDays) : new Map<number, Map<string, UsageCounts>>(),
      ]);
      const report: UsageDaysReport = { days: [], projects: new Map() };
      for (const [day, byProject] of [...settled, ...live].sort(([a], [b]) => a - b)) {
        if (byProject.size === 0) continue;
        const total = emptyUsageCounts();
        for (const [projectId, counts] of byProject) {
          addUsageCounts(total, counts);
          let projectTotal = report.projects.get(projectId);
          if (projectTotal === undefined) report.projects.set(projectId, (projectTotal = emptyUsageCounts()));
          addUsageCounts(projectTotal, counts);
        }
        report.days.push({ start: new Date(day), counts: total });
      }
      return report;
    },
    forget(hourStarts) {
      const at = now().getTime();
      for (const hourStart of hourStarts) {
        const day = Math.floor(hourStart.getTime() / DAY_MS) * DAY_MS;
        // Only a settled day can be cached: a write to a later one has nothing to forget.
        if (day + DAY_MS + settleAfterMs > at) continue;
        generation += 1;
        const prefix = `${day}|`;
        for (const key of [...cache.keys()]) if (key.startsWith(prefix)) remove(key);
      }
    },
  };
}
