import { sql, type ExpressionBuilder, type Insertable } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema, UsageHourlyTable } from './schema/index.js';

/** What the usage ledger counts, summed over some calls. */
export interface UsageCounts {
  requests: number;
  /** Status ≥ 400, or 0 (the client left before any status was sent). */
  errors: number;
  cacheHits: number;
  /** Calls that went upstream, and the sum of their upstream times. */
  upstreamCalls: number;
  upstreamMs: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  /** Calls whose token counts were estimated (the provider reported none). */
  estimatedCalls: number;
}

export function emptyUsageCounts(): UsageCounts {
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
  };
}

/** Adds `from` into `into`. */
export function addUsageCounts(into: UsageCounts, from: Readonly<UsageCounts>): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.cacheHits += from.cacheHits;
  into.upstreamCalls += from.upstreamCalls;
  into.upstreamMs += from.upstreamMs;
  into.promptTokens += from.promptTokens;
  into.completionTokens += from.completionTokens;
  into.cachedTokens += from.cachedTokens;
  into.reasoningTokens += from.reasoningTokens;
  into.totalTokens += from.totalTokens;
  into.estimatedCalls += from.estimatedCalls;
}

/** Counts to add to the row of one hour, project and token. */
export interface UsageHourDelta {
  readonly hourStart: Date;
  readonly projectId: string;
  readonly tokenId: string;
  readonly counts: Readonly<UsageCounts>;
}

type CounterColumn = Exclude<keyof UsageHourlyTable, 'hour_start' | 'project_id' | 'token_id'>;

/** Each counter's column. */
const COLUMN_OF: Readonly<Record<keyof UsageCounts, CounterColumn>> = {
  requests: 'requests',
  errors: 'errors',
  cacheHits: 'cache_hits',
  upstreamCalls: 'upstream_calls',
  upstreamMs: 'upstream_ms',
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  cachedTokens: 'cached_tokens',
  reasoningTokens: 'reasoning_tokens',
  totalTokens: 'total_tokens',
  estimatedCalls: 'estimated_calls',
};
const COUNTERS = Object.keys(COLUMN_OF) as (keyof UsageCounts)[];

/** Rows per INSERT: 16 values each stays far below SQLite's 32,766 bound parameters. */
const ROWS_PER_STATEMENT = 500;

function toRow(delta: UsageHourDelta): Insertable<UsageHourlyTable> {
  const row: Record<string, string | number> = { hour_start: delta.hourStart.toISOString(), project_id: delta.projectId, token_id: delta.tokenId };
  for (const counter of COUNTERS) row[COLUMN_OF[counter]] = delta.counts[counter];
  return row as unknown as Insertable<UsageHourlyTable>;
}

/**
 * Adds the deltas to their rows in one transaction, so that a row written by an earlier batch (or
 * another process) is added to: `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x` on SQLite
 * and PostgreSQL, `INSERT … ON DUPLICATE KEY UPDATE x = x + VALUES(x)` on MySQL.
 */
export async function addUsageHours(database: Database, deltas: readonly UsageHourDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  // Rows in key order, so that batches of several instances lock them in the same order (no deadlock).
  const rows = deltas.map(toRow).sort(byKey);
  const mysql = database.dialect === 'mysql';
  await database.write(() =>
    database.db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        const insert = trx.insertInto('usage_hourly').values(rows.slice(start, start + ROWS_PER_STATEMENT));
        await (mysql
          ? insert.onDuplicateKeyUpdate((eb) => addedCounters((column) => eb(column, '+', sql<number>`values(${sql.ref(column)})`)))
          : insert.onConflict((conflict) =>
              conflict
                .columns(['hour_start', 'project_id', 'token_id'])
                .doUpdateSet((eb) => addedCounters((column) => eb(`usage_hourly.${column}`, '+', eb.ref(`excluded.${column}`)))),
            )
        ).execute();
      }
    }),
  );
}

function byKey(a: Insertable<UsageHourlyTable>, b: Insertable<UsageHourlyTable>): number {
  const keyOf = (row: Insertable<UsageHourlyTable>) => `${row.hour_start}|${row.project_id}|${row.token_id}`;
  const [x, y] = [keyOf(a), keyOf(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The SET list of an upsert: every counter column, each to `add(column)`. */
function addedCounters(add: (column: CounterColumn) => unknown): never {
  const set: Partial<Record<CounterColumn, unknown>> = {};
  for (const counter of COUNTERS) set[COLUMN_OF[counter]] = add(COLUMN_OF[counter]);
  return set as never;
}

export interface UsageFilter {
  /** Hours starting at or after `from` and before `to`. */
  readonly from: Date;
  readonly to: Date;
  readonly projectId?: string | undefined;
  readonly tokenId?: string | undefined;
}

type UsageExpressions = ExpressionBuilder<DatabaseSchema, 'usage_hourly'>;

/** SUM of every counter, named as the counter. */
function sums(eb: UsageExpressions) {
  return COUNTERS.map((counter) => eb.fn.sum<number | string>(`usage_hourly.${COLUMN_OF[counter]}`).as(counter));
}

/** Counts from a row of sums (a driver may return a SUM as text or bigint). */
function readCounts(row: Readonly<Record<keyof UsageCounts, unknown>>): UsageCounts {
  const counts = emptyUsageCounts();
  for (const counter of COUNTERS) counts[counter] = Number(row[counter] ?? 0);
  return counts;
}

function filtered(database: Database, filter: UsageFilter) {
  let query = database.db
    .selectFrom('usage_hourly')
    .where('usage_hourly.hour_start', '>=', filter.from.toISOString())
    .where('usage_hourly.hour_start', '<', filter.to.toISOString());
  if (filter.projectId !== undefined) query = query.where('usage_hourly.project_id', '=', filter.projectId);
  if (filter.tokenId !== undefined) query = query.where('usage_hourly.token_id', '=', filter.tokenId);
  return query;
}

export type UsageGranularity = 'hour' | 'day';

export interface UsageBucketSums {
  /** Start of the UTC hour or day. */
  readonly start: Date;
  readonly counts: UsageCounts;
}

/**
 * Sums by UTC hour or day, oldest first; only buckets that hold usage (served by the
 * (project_id, hour_start) index with a project, (token_id, hour_start) with a token, by the
 * primary key without either). Always grouped by hour in SQL, in the index's order: days are
 * added up here from at most 24 rows each, cheaper than a GROUP BY on substr(), which sorts.
 */
export async function sumUsageByTime(database: Database, filter: UsageFilter, granularity: UsageGranularity): Promise<UsageBucketSums[]> {
  const rows = await filtered(database, filter)
    .select((eb) => ['usage_hourly.hour_start as hour_start', ...sums(eb)])
    .groupBy('usage_hourly.hour_start')
    .orderBy('usage_hourly.hour_start')
    .execute();
  const hours = rows.map((row) => ({ start: new Date(row.hour_start), counts: readCounts(row) }));
  if (granularity === 'hour') return hours;
  const days: UsageBucketSums[] = [];
  for (const hour of hours) {
    const day = new Date(Date.UTC(hour.start.getUTCFullYear(), hour.start.getUTCMonth(), hour.start.getUTCDate()));
    const last = days.at(-1);
    if (last !== undefined && last.start.getTime() === day.getTime()) addUsageCounts(last.counts, hour.counts);
    else days.push({ start: day, counts: hour.counts });
  }
  return days;
}

export interface ProjectUsageSums {
  readonly projectId: string;
  /** null when the project has been deleted since (the ledger keeps its usage). */
  readonly projectName: string | null;
  readonly counts: UsageCounts;
}

/**
 * Sums by project over the range (ordered by project id): summed first, then joined to the
 * projects for their names (one lookup per project, not per ledger row).
 */
export async function sumUsageByProject(database: Database, filter: UsageFilter): Promise<ProjectUsageSums[]> {
  const summed = filtered(database, filter)
    .select((eb) => ['usage_hourly.project_id as project_id', ...sums(eb)])
    .groupBy('usage_hourly.project_id');
  const rows = await database.db
    .selectFrom(summed.as('summed'))
    .leftJoin('projects', 'projects.id', 'summed.project_id')
    .selectAll('summed')
    .select('projects.name as project_name')
    .orderBy('summed.project_id')
    .execute();
  return rows.map((row) => ({ projectId: row.project_id, projectName: row.project_name ?? null, counts: readCounts(row) }));
}

/** True when the ledger holds any usage of this project or token (deleted ones included). */
export async function hasUsage(database: Database, of: { readonly projectId?: string; readonly tokenId?: string }): Promise<boolean> {
  let query = database.db.selectFrom('usage_hourly').select('usage_hourly.hour_start').limit(1);
  if (of.projectId !== undefined) query = query.where('usage_hourly.project_id', '=', of.projectId);
  if (of.tokenId !== undefined) query = query.where('usage_hourly.token_id', '=', of.tokenId);
  return (await query.executeTakeFirst()) !== undefined;
}

export interface HourProjectSums {
  readonly hourStart: Date;
  readonly projectId: string;
  readonly counts: UsageCounts;
}

/**
 * Sums by UTC hour and project, in the primary key's order (hour, project): one pass that gives
 * both the sums by time and by project of a range, for the settled-day sums (usage-days.ts).
 */
export async function sumUsageByHourAndProject(database: Database, filter: UsageFilter): Promise<HourProjectSums[]> {
  const rows = await filtered(database, filter)
    .select((eb) => ['usage_hourly.hour_start as hour_start', 'usage_hourly.project_id as project_id', ...sums(eb)])
    .groupBy(['usage_hourly.hour_start', 'usage_hourly.project_id'])
    .orderBy('usage_hourly.hour_start')
    .orderBy('usage_hourly.project_id')
    .execute();
  return rows.map((row) => ({ hourStart: new Date(row.hour_start), projectId: row.project_id, counts: readCounts(row) }));
}
