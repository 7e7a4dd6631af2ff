import { InvalidArgumentError } from 'commander';
import { USAGE_TIME_FORMS, bucketCeil, parseUsageTime, type UsageGranularity } from '../../manage-client/index.js';

/** A point in time given to --since/--until: that long ago, or a date or time. */
export type UsageWhen = { readonly agoMs: number } | { readonly at: Date };

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const DURATION = /^(\d+)(m|h|d|w)$/;

export const USAGE_WHEN_FORMS = `a duration such as 90m, 24h, 7d or 2w, or ${USAGE_TIME_FORMS}`;

/** Commander parser of --since/--until. */
export function usageWhen(text: string): UsageWhen {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    const agoMs = Number(duration[1]) * (UNIT_MS[duration[2] ?? ''] ?? 0);
    if (agoMs > 0) return { agoMs };
  }
  const at = parseUsageTime(trimmed);
  if (at !== undefined) return { at };
  throw new InvalidArgumentError(`expected ${USAGE_WHEN_FORMS}.`);
}

/**
 * The from/to of a query: --until a duration ago or a time (default now); --since a time, or a
 * duration back from the end of --until's bucket, so that `--since 7d` by day is 7 whole days
 * with today the last (as the API's default).
 */
export function resolveUsageWhen(since: UsageWhen, until: UsageWhen | undefined, granularity: UsageGranularity, now: Date): { from: Date; to: Date } {
  const to = until === undefined ? now : 'at' in until ? until.at : new Date(now.getTime() - until.agoMs);
  const from = 'at' in since ? since.at : new Date(bucketCeil(to.getTime(), granularity) - since.agoMs);
  return { from, to };
}
