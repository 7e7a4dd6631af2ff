import { performance } from 'node:perf_hooks';

/**
 * Wall-clock time in Unix microseconds, from the monotonic clock (performance.timeOrigin + now()).
 * An integer below 2^53, so exact as a number: cheaper than BigInt nanoseconds on every request.
 */
export function unixMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * Unix time in nanoseconds as the X-UPSTREAM-REQUEST-* headers carry it (microsecond precision).
 * Printed as seconds and microseconds: two small integers convert to text several times faster
 * than one 16-digit number.
 */
export function nanosHeader(unixMicrosValue: number): string {
  const seconds = Math.floor(unixMicrosValue / 1_000_000);
  if (seconds === 0) return `${unixMicrosValue}000`; // no leading zeros
  const micros = unixMicrosValue - seconds * 1_000_000;
  return `${seconds}${String(micros + 1_000_000).slice(1)}000`;
}
