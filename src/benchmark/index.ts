import type { BenchmarkResult, LoadOptions } from './types.js';

export { TargetUnreachableError, TokenRejectedError, describeNetworkError } from './errors.js';
export { percentile, summarize, summarizeSorted, type LatencySummary } from './statistics.js';
export { SampleSet } from './sample-set.js';
export {
  ERROR_KINDS,
  type BenchmarkMethod,
  type BenchmarkResult,
  type CountOf,
  type ErrorKind,
  type ErrorSample,
  type LoadOptions,
  type LoadProgress,
  type ResponseSample,
} from './types.js';

// The parts that need undici load on first use, so that importing this module (the CLI's error
// reporting does) costs nothing at start-up.

/** Sends the requests of a benchmark and measures them (see load-generator.ts). */
export async function runLoad(options: LoadOptions): Promise<BenchmarkResult> {
  const { runLoad: run } = await import('./load-generator.js');
  return run(options);
}

/** Opens and closes one connection to the target; rejects with TargetUnreachableError. */
export async function checkReachable(url: URL, timeoutMs: number): Promise<void> {
  const { checkReachable: check } = await import('./preflight.js');
  return check(url, timeoutMs);
}
