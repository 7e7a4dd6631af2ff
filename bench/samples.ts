/**
 * What a bench phase records for each target, and the statistics drawn from it. Sample i of every
 * target comes from round i (or slice i) of the same phase, taken one target after the other, so
 * target and floor pair up: a shared machine that slows down moves both sides of a pair alike.
 * The CPU and throughput of a target compared with the floor pair with a floor run measured just
 * before it (`floorCpuMicrosPerRequest`, `floorRequestsPerSecond`): the speed of a shared 2-core
 * machine drifts within a round, and a floor measured 10 s earlier moved ratios by ±30 %.
 */

export interface Samples {
  readonly requestsPerSecond: number[];
  readonly cpuMicrosPerRequest: number[];
  /** The floor's figures in the run just before each of this target's throughput runs (targets compared with the floor only). */
  readonly floorCpuMicrosPerRequest: number[];
  readonly floorRequestsPerSecond: number[];
  readonly p50Ms: number[];
  readonly p99Ms: number[];
  /** Time to the first byte of an SSE stream (empty when the phase does not measure streams). */
  readonly firstByteMs: number[];
  /** Requests that did not end as the target's role expects (2xx, or 401 for bogus tokens). */
  errors: number;
}

/** Samples by target name. */
export type PhaseSamples = ReadonlyMap<string, Samples>;

/** The samples of one phase and the load generator that drove it. */
export interface PhaseResult {
  readonly driver: string;
  readonly samples: PhaseSamples;
}

export function emptySamples(): Samples {
  return { requestsPerSecond: [], cpuMicrosPerRequest: [], floorCpuMicrosPerRequest: [], floorRequestsPerSecond: [], p50Ms: [], p99Ms: [], firstByteMs: [], errors: 0 };
}

/** The median; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The median over pairs of `combine(a[i], b[i])`. */
export function pairedMedian(a: readonly number[], b: readonly number[], combine: (a: number, b: number) => number): number {
  const count = Math.min(a.length, b.length);
  return median(Array.from({ length: count }, (_, i) => combine(a[i] as number, b[i] as number)));
}

/** Median of the pairwise ratios a[i] / b[i]. */
export const pairedRatio = (a: readonly number[], b: readonly number[]): number => pairedMedian(a, b, (x, y) => x / y);

/** Median of the pairwise differences a[i] − b[i]. */
export const pairedDifference = (a: readonly number[], b: readonly number[]): number => pairedMedian(a, b, (x, y) => x - y);

/**
 * What a proxy adds over the upstream, against what the floor adds: the median over rounds of
 * (target − direct) / (floor − direct).
 */
export function addedRatio(target: readonly number[], floor: readonly number[], direct: readonly number[]): number {
  const added = (values: readonly number[]) => values.map((value, i) => value - (direct[i] ?? Number.NaN));
  return pairedRatio(added(target), added(floor));
}
