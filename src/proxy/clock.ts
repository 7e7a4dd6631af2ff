/** Wall-clock time in Unix nanoseconds, from the monotonic clock anchored once at start. */
const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function unixNanos(): bigint {
  return anchorNs + process.hrtime.bigint();
}
