import { performance } from 'node:perf_hooks';

/**
 * Wall-clock time in Unix microseconds, from the monotonic clock (performance.timeOrigin + now()).
 * An integer below 2^53, so exact as a number: cheaper than BigInt nanoseconds on every request.
 */
export function unixMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Unix time in nanoseconds as the X-UPSTREAM-REQUEST-* headers carry it (microsecond precision). */
export function nanosHeader(unixMicrosValue: number): string {
  return `${unixMicrosValue}000`;
}
