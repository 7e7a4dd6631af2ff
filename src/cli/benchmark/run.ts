import { TargetUnreachableError, TokenRejectedError, checkReachable, runLoad, type BenchmarkResult, type LoadProgress } from '../../benchmark/index.js';
import { outputWidth, writeJson, writeLine, type Io } from '../io.js';
import type { BenchmarkCommandOptions } from './index.js';
import { planBenchmark, type BenchmarkPlan } from './plan.js';
import { createProgressBar } from './progress-bar.js';
import { benchmarkDocument } from './report-json.js';
import { formatTextReport } from './report-text.js';
import { formatDebugSamples } from './samples.js';

/** After this many responses, all 401, the token is wrong: the rest would be refused too. */
export const UNAUTHORIZED_STOP_AFTER = 10;

interface Measured {
  readonly result: BenchmarkResult;
  /** Stopped because every response so far was a 401. */
  readonly stoppedOnUnauthorized: boolean;
}

/** Runs the load; the first Ctrl+C stops it early (a second one kills the process as usual). */
async function measure(plan: BenchmarkPlan, io: Io, showProgress: boolean): Promise<Measured> {
  const bar = showProgress ? createProgressBar(io.stderr, plan.load) : undefined;
  const stopper = new AbortController();
  const stop = () => stopper.abort();
  let stoppedOnUnauthorized = false;
  const onProgress = (progress: LoadProgress) => {
    bar?.update(progress);
    if (progress.unauthorized >= UNAUTHORIZED_STOP_AFTER && progress.unauthorized === progress.completed && !stopper.signal.aborted) {
      stoppedOnUnauthorized = true;
      stop();
    }
  };
  process.once('SIGINT', stop);
  try {
    const result = await runLoad({ ...plan.load, onProgress, signal: stopper.signal });
    return { result, stoppedOnUnauthorized };
  } finally {
    process.off('SIGINT', stop);
    bar?.finish();
  }
}

/** Exit codes 2 and 3 when every request failed the same way; the report has been printed by then. */
function checkVerdict(result: BenchmarkResult, plan: BenchmarkPlan): void {
  const { completed } = result;
  if (completed === 0) return;
  if (result.errors.connect === completed) {
    const sample = result.errorSamples.find((error) => error.kind === 'connect');
    throw new TargetUnreachableError(plan.load.url.href, `every request failed to connect${sample ? ` (${sample.message})` : ''}`);
  }
  const unauthorized = result.statusCounts.find((status) => status.value === 401)?.count ?? 0;
  if (unauthorized === completed) {
    const stopped = result.interrupted && completed >= UNAUTHORIZED_STOP_AFTER ? ` (stopped after ${completed})` : '';
    throw new TokenRejectedError(`every request was answered 401 Unauthorized${stopped}: check the token from ${plan.tokenSource}`);
  }
}

export async function runBenchmark(options: BenchmarkCommandOptions, io: Io): Promise<void> {
  const plan = planBenchmark(options);
  for (const warning of plan.warnings) writeLine(io.stderr, `Warning: ${warning}`);
  await checkReachable(plan.load.url, plan.preflightTimeoutMs);

  const isJson = options.output === 'json';
  const { result, stoppedOnUnauthorized } = await measure(plan, io, !isJson && io.stderr.isTTY === true);
  const { token } = plan.load;
  if (isJson) {
    writeJson(io, benchmarkDocument(result, token, options.debug === true));
  } else {
    const stopReason = stoppedOnUnauthorized ? `the first ${result.completed} responses were all 401 Unauthorized` : undefined;
    io.stdout.write(formatTextReport(result, { isCacheRequested: options.cache === true, width: outputWidth(io.stdout), stopReason }));
    if (options.debug) io.stdout.write('\n' + formatDebugSamples(result, token));
  }
  checkVerdict(result, plan);
}
