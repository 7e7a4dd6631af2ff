import type { SampleSet } from './sample-set.js';

/** Exact statistics of a series of durations, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Nearest-rank percentile of an ascending, non-empty array: the smallest sample that at least
 * `percent` % of the samples are less than or equal to (`percent` in 1..100). Always a real
 * sample, never an interpolation.
 */
export function percentile(sorted: Float64Array, percent: number): number {
  const rank = Math.ceil((sorted.length * percent) / 100);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1] ?? Number.NaN;
}

/** Summary of an ascending array, or null when it is empty. */
export function summarizeSorted(sorted: Float64Array): LatencySummary | null {
  const count = sorted.length;
  if (count === 0) return null;
  let sum = 0;
  for (let index = 0; index < count; index++) sum += sorted[index] ?? 0;
  return {
    count,
    min: sorted[0] ?? Number.NaN,
    mean: sum / count,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[count - 1] ?? Number.NaN,
  };
}

/** Summary of the union of several sample sets (they are sorted in place). */
export function summarize(...sets: readonly SampleSet[]): LatencySummary | null {
  const nonEmpty = sets.map((set) => set.sorted()).filter((sorted) => sorted.length > 0);
  if (nonEmpty.length <= 1) return summarizeSorted(nonEmpty[0] ?? new Float64Array(0));
  const merged = new Float64Array(nonEmpty.reduce((total, sorted) => total + sorted.length, 0));
  let offset = 0;
  for (const sorted of nonEmpty) {
    merged.set(sorted, offset);
    offset += sorted.length;
  }
  return summarizeSorted(merged.sort());
}
