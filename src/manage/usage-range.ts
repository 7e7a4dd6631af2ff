/**
 * The time range of a usage query (GET /manage/usage), in UTC buckets of an hour or a day. Pure
 * and free of imports: the CLI checks its --since/--until with the same rules before calling.
 */
export type UsageGranularity = 'hour' | 'day';

export const USAGE_BUCKET_MS: Readonly<Record<UsageGranularity, number>> = { hour: 3_600_000, day: 86_400_000 };

/** At most 366 days by day, 31 days (744 hours) by hour: answers stay small and quick. */
export const MAX_USAGE_BUCKETS: Readonly<Record<UsageGranularity, number>> = { hour: 31 * 24, day: 366 };

/** Without `from`: the 7 days up to `to` (now by default). */
export const DEFAULT_USAGE_RANGE_MS = 7 * USAGE_BUCKET_MS.day;

// A date (UTC midnight) or a time with its zone: a time without one would be read in the
// server's local zone, which the caller cannot know.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

/** The forms parseUsageTime accepts, for messages. */
export const USAGE_TIME_FORMS = 'an ISO 8601 date or time with its zone, such as 2026-11-01 or 2026-11-01T12:00:00Z';

/** `2026-11-01` (UTC midnight) or `2026-11-01T12:00:00Z` / `…+02:00`; undefined otherwise. */
export function parseUsageTime(text: string): Date | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  // Date.parse takes 2026-02-30 for March 2nd: the day must exist in its month.
  const [year = 0, month = 0, day = 0] = text.slice(0, 10).split('-').map(Number);
  const midnight = new Date(Date.UTC(year, month - 1, day));
  if (midnight.getUTCMonth() !== month - 1 || midnight.getUTCDate() !== day) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Start of the bucket holding `ms` (epoch days are UTC days). */
export function bucketFloor(ms: number, granularity: UsageGranularity): number {
  const size = USAGE_BUCKET_MS[granularity];
  return Math.floor(ms / size) * size;
}

/** `ms` itself when it starts a bucket, else the start of the next one. */
export function bucketCeil(ms: number, granularity: UsageGranularity): number {
  const size = USAGE_BUCKET_MS[granularity];
  return Math.ceil(ms / size) * size;
}

export interface UsageRangeRequest {
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  readonly granularity: UsageGranularity;
}

/** The buckets a query covers: every bucket that overlaps [from, to). */
export interface UsageRange {
  readonly from: Date;
  readonly to: Date;
  readonly granularity: UsageGranularity;
  readonly buckets: number;
}

export type UsageRangeProblem =
  | { readonly kind: 'empty'; readonly from: Date; readonly to: Date }
  | { readonly kind: 'too-long'; readonly buckets: number; readonly maxBuckets: number; readonly granularity: UsageGranularity };

/**
 * Widens [from, to) to whole buckets: `to` (default now) up to the end of its bucket, `from`
 * (default 7 days before that end, so 7 whole days with today the last) down to the start of its
 * own. A problem when from is not before to, or when the range holds too many buckets.
 */
export function resolveUsageRange(request: UsageRangeRequest, now: Date): UsageRange | UsageRangeProblem {
  const { granularity } = request;
  const toMs = (request.to ?? now).getTime();
  const end = bucketCeil(toMs, granularity);
  const fromMs = request.from?.getTime() ?? end - DEFAULT_USAGE_RANGE_MS;
  if (fromMs >= toMs) return { kind: 'empty', from: new Date(fromMs), to: new Date(toMs) };
  const start = bucketFloor(fromMs, granularity);
  const buckets = (end - start) / USAGE_BUCKET_MS[granularity];
  const maxBuckets = MAX_USAGE_BUCKETS[granularity];
  if (buckets > maxBuckets) return { kind: 'too-long', buckets, maxBuckets, granularity };
  return { from: new Date(start), to: new Date(end), granularity, buckets };
}

export function isUsageRangeProblem(resolved: UsageRange | UsageRangeProblem): resolved is UsageRangeProblem {
  return 'kind' in resolved;
}
