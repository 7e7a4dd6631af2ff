import {
  isUsageRangeProblem,
  resolveUsageRange,
  type UsageCountsResponse,
  type UsageGranularity,
  type UsageRangeProblem,
  type UsageResponse,
} from '../../manage-client/index.js';
import { formatFittedTable, type FitColumn } from '../fit-table.js';
import { UsageError, writeJson, type Io } from '../io.js';
import { manageClientFor, tableWidth, type ManageGlobalOptions } from './context.js';
import { formatBarChart } from './usage-chart.js';
import { resolveUsageWhen, type UsageWhen } from './usage-when.js';

export interface UsageOptions extends ManageGlobalOptions {
  readonly projectId?: string;
  readonly tokenId?: string;
  readonly since: UsageWhen;
  readonly until?: UsageWhen;
  readonly granularity: UsageGranularity;
}

/** The range problem in terms of the flags that made it. */
function rangeProblem(problem: UsageRangeProblem): UsageError {
  if (problem.kind === 'empty') {
    return new UsageError(`--since (${problem.from.toISOString()}) must be before --until (${problem.to.toISOString()})`);
  }
  if (problem.granularity === 'hour') {
    return new UsageError(`--since covers ${problem.buckets} hours: at most ${problem.maxBuckets} (31 days) with --granularity hour; use --granularity day or a shorter --since`);
  }
  return new UsageError(`--since covers ${problem.buckets} days: at most ${problem.maxBuckets} with --granularity day; use a shorter --since or an earlier --until`);
}

interface UsageRow {
  readonly label: string;
  readonly counts: UsageCountsResponse;
}

const count = (pick: (counts: UsageCountsResponse) => number) => (row: UsageRow) => String(pick(row.counts));

/** `2026-12-02` by day, `2026-12-02 05:00` by hour (the header says UTC). */
function bucketLabel(start: string, granularity: UsageGranularity): string {
  return granularity === 'day' ? start.slice(0, 10) : `${start.slice(0, 10)} ${start.slice(11, 16)}`;
}

function timeColumns(granularity: UsageGranularity): readonly FitColumn<UsageRow>[] {
  return [
    { header: granularity === 'day' ? 'DAY (UTC)' : 'HOUR (UTC)', cell: (row) => row.label },
    { header: 'REQUESTS', cell: count((c) => c.requests), isRightAligned: true },
    { header: 'ERRORS', cell: count((c) => c.errors), isRightAligned: true, dropOrder: 5 },
    { header: 'CACHE HITS', cell: count((c) => c.cache_hits), isRightAligned: true, dropOrder: 4 },
    { header: 'PROMPT', cell: count((c) => c.prompt_tokens), isRightAligned: true, dropOrder: 3 },
    { header: 'COMPLETION', cell: count((c) => c.completion_tokens), isRightAligned: true, dropOrder: 2 },
    { header: 'TOTAL TOKENS', cell: count((c) => c.total_tokens), isRightAligned: true },
    { header: 'UPSTREAM AVG', cell: (row) => (row.counts.upstream_ms_avg === null ? '-' : `${row.counts.upstream_ms_avg} ms`), isRightAligned: true, dropOrder: 1 },
  ];
}

type ProjectUsage = NonNullable<UsageResponse['projects']>[number];

const PROJECT_COLUMNS: readonly FitColumn<ProjectUsage>[] = [
  { header: 'PROJECT', cell: (p) => p.project_id, dropOrder: 1 },
  { header: 'NAME', cell: (p) => p.project_name ?? '(deleted)', minWidth: 10 },
  { header: 'REQUESTS', cell: (p) => String(p.requests), isRightAligned: true },
  { header: 'ERRORS', cell: (p) => String(p.errors), isRightAligned: true, dropOrder: 3 },
  { header: 'CACHE HITS', cell: (p) => String(p.cache_hits), isRightAligned: true, dropOrder: 2 },
  { header: 'TOTAL TOKENS', cell: (p) => String(p.total_tokens), isRightAligned: true },
];

/** What the report covers, in one line. */
function heading(report: UsageResponse): string {
  const who = [
    report.project_id === null ? 'all projects' : `project ${report.project_id}`,
    ...(report.token_id === null ? [] : [`token ${report.token_id}`]),
  ].join(', ');
  const last = new Date(Date.parse(report.to) - (report.granularity === 'day' ? 86_400_000 : 3_600_000)).toISOString();
  const range = `${bucketLabel(report.from, report.granularity)} to ${bucketLabel(last, report.granularity)}`;
  return `Usage of ${who}, ${range} (UTC, by ${report.granularity})`;
}

/** The human report: a table by bucket with a total line, a bar chart, and the projects' totals. */
export function formatUsage(report: UsageResponse, width: number): string {
  const rows: UsageRow[] = report.buckets.map((bucket) => ({ label: bucketLabel(bucket.start, report.granularity), counts: bucket }));
  let text = `${heading(report)}\n\n${formatFittedTable(timeColumns(report.granularity), [...rows, { label: 'TOTAL', counts: report.totals }], width)}`;
  if (report.totals.requests === 0) return `${text}\nNo usage recorded in this range.\n`;
  // Tokens where there are some; requests otherwise (token counts not reported by the provider).
  const byTokens = report.totals.total_tokens > 0;
  const chartLines = rows.map((row) => ({ label: row.label, value: byTokens ? row.counts.total_tokens : row.counts.requests }));
  text += `\n${byTokens ? 'Total tokens' : 'Requests'} per ${report.granularity}\n${formatBarChart(chartLines, width)}`;
  if (report.projects !== undefined && report.projects.length > 0) text += `\nBy project\n${formatFittedTable(PROJECT_COLUMNS, report.projects, width)}`;
  const estimated = report.totals.estimated_calls;
  if (estimated > 0) text += `\n${estimated} call(s) were cut before the provider reported usage: their token counts are estimates.\n`;
  return text;
}

export async function runUsage(options: UsageOptions, io: Io): Promise<void> {
  const { granularity } = options;
  const { from, to } = resolveUsageWhen(options.since, options.until, granularity, new Date());
  const resolved = resolveUsageRange({ from, to, granularity }, new Date());
  if (isUsageRangeProblem(resolved)) throw rangeProblem(resolved);
  const report = await manageClientFor(options).usage({
    projectId: options.projectId,
    tokenId: options.tokenId,
    from: from.toISOString(),
    to: to.toISOString(),
    granularity,
  });
  if (options.json) return writeJson(io, report);
  io.stdout.write(formatUsage(report, tableWidth(io, options)));
}
