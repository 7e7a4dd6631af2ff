import { performance } from 'node:perf_hooks';

/**
 * Unix time in nanoseconds at `performance.now() === 0`, anchored once (the proxy's clock does the
 * same), so every X-REQUEST-START is wall-clock time without a Date.now() call per request.
 */
const anchorNs = BigInt(Date.now()) * 1_000_000n - BigInt(Math.round(performance.now() * 1e6));

/** The Unix time, in nanoseconds and as header text, of a `performance.now()` reading. */
export function unixNanosAt(perfMs: number): string {
  return String(anchorNs + BigInt(Math.round(perfMs * 1e6)));
}
