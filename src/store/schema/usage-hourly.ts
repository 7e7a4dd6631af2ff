/** One row per (hour, project, token): the usage ledger's sums (see usage-ledger.ts). */
export interface UsageHourlyTable {
  /** Start of the UTC hour, ISO 8601 (`2026-12-02T05:00:00.000Z`): sorts and compares as text. */
  hour_start: string;
  project_id: string;
  token_id: string;
  requests: number;
  /** Status ≥ 400, or 0 (the client left before any status was sent). */
  errors: number;
  /** Calls that went upstream (upstream_ms is their sum, so an average can be shown). */
  upstream_calls: number;
  upstream_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cache_hits: number;
  /** Calls whose token counts were estimated with a tokenizer (usage.source = estimated). */
  estimated_calls: number;
}

export const usageHourlyTable = 'usage_hourly';
