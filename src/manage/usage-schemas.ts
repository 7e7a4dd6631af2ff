import { z } from 'zod';
import { MAX_USAGE_BUCKETS, USAGE_TIME_FORMS, parseUsageTime } from './usage-range.js';

/** Query and answer of GET /manage/usage, the usage ledger. */

function isoTime(description: string) {
  return z
    .string()
    .refine((text) => parseUsageTime(text) !== undefined, `must be ${USAGE_TIME_FORMS}`)
    .transform((text) => parseUsageTime(text) as Date)
    .optional()
    .describe(description);
}

const id = (description: string) => z.string().min(1, 'must not be empty').max(128).optional().describe(description);

export const usageQuery = z.object({
  project_id: id('Only this project (without it, the answer also breaks the usage down by project)'),
  token_id: id("Only this token (its id; a deleted token's usage stays in the ledger)"),
  from: isoTime('Start (default: 7 days before the end of `to`\'s bucket); widened down to the start of its bucket'),
  to: isoTime('End, excluded (default: now); widened up to the end of its bucket'),
  granularity: z
    .enum(['hour', 'day'])
    .default('day')
    .describe(`UTC buckets of an hour (at most ${MAX_USAGE_BUCKETS.hour} per query) or a day (at most ${MAX_USAGE_BUCKETS.day})`),
});

const count = z.number().int();

const usageCounts = z.object({
  requests: count,
  errors: count.describe('Status ≥ 400, or the client left before any status'),
  cache_hits: count.describe('Answered from the response cache'),
  upstream_calls: count.describe('Calls that went upstream'),
  upstream_ms_avg: z.number().nullable().describe('Average time from sending upstream to the response headers, ms; null without upstream calls'),
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count.describe("Prompt tokens served from the provider's prompt cache"),
  reasoning_tokens: count,
  total_tokens: count,
  estimated_calls: count.describe('Calls whose token counts were estimated (cut before the provider reported usage)'),
});

const timestamp = z.string().describe('RFC 3339 time, UTC');

export const usageResponse = z.object({
  granularity: z.enum(['hour', 'day']),
  from: timestamp.describe('Start of the first bucket'),
  to: timestamp.describe('End of the last bucket (excluded)'),
  project_id: z.string().nullable(),
  token_id: z.string().nullable(),
  buckets: usageCounts
    .extend({ start: timestamp })
    .array()
    .describe('Every bucket of the range, oldest first, empty ones included'),
  totals: usageCounts,
  projects: usageCounts
    .extend({ project_id: z.string(), project_name: z.string().nullable().describe('null when the project has been deleted since') })
    .array()
    .optional()
    .describe('Without project_id: the totals of each project that has usage in the range, most tokens (then requests) first'),
});

export type UsageQuery = z.input<typeof usageQuery>;
export type UsageResponse = z.infer<typeof usageResponse>;
export type UsageCountsResponse = z.infer<typeof usageCounts>;
