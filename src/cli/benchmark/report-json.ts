import type { BenchmarkResult, LatencySummary } from '../../benchmark/index.js';
import { presentSample, redact } from './samples.js';

/** Milliseconds to the microsecond. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function summary(value: LatencySummary | null) {
  if (value === null) return null;
  return {
    count: value.count,
    min: ms(value.min),
    mean: ms(value.mean),
    p50: ms(value.p50),
    p90: ms(value.p90),
    p95: ms(value.p95),
    p99: ms(value.p99),
    max: ms(value.max),
  };
}

/**
 * The `--output json` document. Durations are milliseconds (`_ms`); a figure that could not be
 * measured is null. `samples` is present with --debug only.
 */
export function benchmarkDocument(result: BenchmarkResult, secret: string, withSamples: boolean) {
  return {
    url: result.url,
    method: result.method,
    concurrency: result.concurrency,
    requests: result.requestLimit,
    duration_ms: result.durationLimitMs,
    timeout_ms: result.timeoutMs,
    sent: result.sent,
    completed: result.completed,
    succeeded: result.succeeded,
    failed: result.failed,
    canceled: result.canceled,
    interrupted: result.interrupted,
    elapsed_ms: ms(result.elapsedMs),
    requests_per_second: Math.round(result.requestsPerSecond * 100) / 100,
    latency_ms: summary(result.latency),
    time_to_first_byte_ms: summary(result.timeToFirstByte),
    upstream_ms: summary(result.upstream),
    proxy_overhead_ms: summary(result.proxyOverhead),
    added_time_to_first_byte_ms: summary(result.addedTimeToFirstByte),
    streamed: result.streamed,
    status_codes: Object.fromEntries(result.statusCounts.map(({ value, count }) => [String(value), count])),
    errors: result.errors,
    cache: {
      counts: Object.fromEntries(result.cache.counts.map(({ value, count }) => [value, count])),
      hit_latency_ms: summary(result.cache.hit),
      other_latency_ms: summary(result.cache.other),
    },
    ...(withSamples
      ? {
          samples: {
            responses: result.responseSamples.map((raw) => {
              const sample = presentSample(raw, secret);
              return {
                status: sample.status,
                headers: Object.fromEntries(sample.headers),
                body: sample.body,
                body_bytes: sample.bodyBytes,
                truncated: sample.isTruncated,
              };
            }),
            errors: result.errorSamples.map(({ kind, message }) => ({ kind, message: redact(message, secret) })),
          },
        }
      : {}),
  };
}
