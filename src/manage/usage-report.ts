import { ProxyError } from '../errors.js';
import {
  addUsageCounts,
  emptyUsageCounts,
  findProject,
  findProjectNames,
  findTokenById,
  hasUsage,
  sumUsageByProject,
  sumUsageByTime,
  type Database,
  type UsageBucketSums,
  type UsageCounts,
  type UsageDays,
  type UsageFilter,
} from '../store/index.js';
import { USAGE_BUCKET_MS, isUsageRangeProblem, resolveUsageRange, type UsageGranularity, type UsageRange, type UsageRangeProblem } from './usage-range.js';
import type { UsageCountsResponse, UsageResponse } from './usage-schemas.js';

export interface UsageReportRequest {
  readonly projectId?: string | undefined;
  readonly tokenId?: string | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  readonly granularity: UsageGranularity;
}

/** The counts with the API's names; the upstream time as an average, to 0.1 ms. */
function presentCounts(counts: UsageCounts): UsageCountsResponse {
  return {
    requests: counts.requests,
    errors: counts.errors,
    cache_hits: counts.cacheHits,
    upstream_calls: counts.upstreamCalls,
    upstream_ms_avg: counts.upstreamCalls === 0 ? null : Math.round((counts.upstreamMs / counts.upstreamCalls) * 10) / 10,
    prompt_tokens: counts.promptTokens,
    completion_tokens: counts.completionTokens,
    cached_tokens: counts.cachedTokens,
    reasoning_tokens: counts.reasoningTokens,
    total_tokens: counts.totalTokens,
    estimated_calls: counts.estimatedCalls,
  };
}

function rangeRefusal(problem: UsageRangeProblem): ProxyError {
  if (problem.kind === 'empty') {
    return new ProxyError('invalid_request', `from (${problem.from.toISOString()}) must be before to (${problem.to.toISOString()})`);
  }
  const unit = problem.granularity === 'day' ? 'days' : 'hours';
  const advice = problem.granularity === 'hour' ? 'use granularity=day or narrow from/to' : 'narrow from/to';
  return new ProxyError(
    'invalid_request',
    `the range holds ${problem.buckets} ${unit}, more than the ${problem.maxBuckets} a query with granularity=${problem.granularity} may cover: ${advice}`,
  );
}

/** A filter naming a project or token that neither exists nor ever had usage is most likely a typo: 404. */
async function checkFilters(database: Database, request: UsageReportRequest): Promise<void> {
  const { projectId, tokenId } = request;
  if (projectId !== undefined && !(await findProject(database, projectId)) && !(await hasUsage(database, { projectId }))) {
    throw new ProxyError('project_not_found', `project ${projectId} not found, and the usage ledger holds nothing of it`);
  }
  if (tokenId !== undefined && !(await findTokenById(database, tokenId)) && !(await hasUsage(database, { tokenId }))) {
    throw new ProxyError('not_found', `token ${tokenId} not found, and the usage ledger holds nothing of it`);
  }
}

/** Every bucket of the range, oldest first, with the sums where there are some. */
function fillBuckets(range: UsageRange, sums: readonly { start: Date; counts: UsageCounts }[]): UsageResponse['buckets'] {
  const byStart = new Map(sums.map((sum) => [sum.start.getTime(), sum.counts]));
  const size = USAGE_BUCKET_MS[range.granularity];
  const buckets: UsageResponse['buckets'] = [];
  for (let start = range.from.getTime(); start < range.to.getTime(); start += size) {
    buckets.push({ start: new Date(start).toISOString(), ...presentCounts(byStart.get(start) ?? emptyUsageCounts()) });
  }
  return buckets;
}

interface RangeSums {
  readonly sums: readonly UsageBucketSums[];
  /** By project, ordered by project id; only asked for without a project filter. */
  readonly projects?: readonly { projectId: string; projectName: string | null; counts: UsageCounts }[];
}

/** By day: from the settled-day sums (one pass over what is not settled yet); by hour: from the ledger. */
async function sumRange(database: Database, usageDays: UsageDays, filter: UsageFilter, granularity: UsageGranularity): Promise<RangeSums> {
  const withProjects = filter.projectId === undefined;
  if (granularity === 'hour') {
    const [sums, projects] = await Promise.all([sumUsageByTime(database, filter, 'hour'), withProjects ? sumUsageByProject(database, filter) : undefined]);
    return { sums, ...(projects && { projects }) };
  }
  const { days, projects } = await usageDays.sum(filter);
  if (!withProjects) return { sums: days };
  const ids = [...projects.keys()].sort();
  const names = await findProjectNames(database, ids);
  return { sums: days, projects: ids.map((projectId) => ({ projectId, projectName: names.get(projectId) ?? null, counts: projects.get(projectId) ?? emptyUsageCounts() })) };
}

/** GET /manage/usage: the ledger's sums over a range, by hour or day, with totals (and by project). */
export async function buildUsageReport(database: Database, usageDays: UsageDays, request: UsageReportRequest, now: Date): Promise<UsageResponse> {
  const resolved = resolveUsageRange(request, now);
  if (isUsageRangeProblem(resolved)) throw rangeRefusal(resolved);
  await checkFilters(database, request);
  const filter = { from: resolved.from, to: resolved.to, projectId: request.projectId, tokenId: request.tokenId };
  const { sums, projects } = await sumRange(database, usageDays, filter, resolved.granularity);
  const totals = emptyUsageCounts();
  for (const sum of sums) addUsageCounts(totals, sum.counts);
  const report: UsageResponse = {
    granularity: resolved.granularity,
    from: resolved.from.toISOString(),
    to: resolved.to.toISOString(),
    project_id: request.projectId ?? null,
    token_id: request.tokenId ?? null,
    buckets: fillBuckets(resolved, sums),
    totals: presentCounts(totals),
  };
  if (projects === undefined) return report;
  return {
    ...report,
    projects: [...projects]
      .sort((a, b) => b.counts.totalTokens - a.counts.totalTokens || b.counts.requests - a.counts.requests)
      .map((project) => ({ project_id: project.projectId, project_name: project.projectName, ...presentCounts(project.counts) })),
  };
}
