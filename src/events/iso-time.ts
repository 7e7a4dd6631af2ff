let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()` for times after 1970 (`2026-12-02T05:17:33.123Z`), without a Date
 * per call: the text up to the second is kept and reused while the second lasts. Every request's
 * log line and event carries one or two of these.
 */
export function isoTime(unixMs: number): string {
  const ms = Math.floor(unixMs);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${cachedPrefix}${String(ms - second * 1000 + 1000).slice(1)}Z`;
}
