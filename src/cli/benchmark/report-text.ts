import { ERROR_KINDS, type BenchmarkResult, type ErrorKind, type LatencySummary } from '../../benchmark/index.js';
import { formatDetails, formatTable } from '../format.js';

const ERROR_MEANINGS: Record<ErrorKind, string> = {
  connect: 'no response: refused, DNS, TLS or reset',
  timeout: 'no complete response within --timeout',
  http: 'answered with a non-2xx status',
  incomplete: 'connection broke during the response',
};

function formatMs(value: number): string {
  return value.toFixed(3);
}

function countText(result: BenchmarkResult): string {
  const parts = [`${result.sent} sent`, `${result.succeeded} succeeded`, `${result.failed} failed`];
  if (result.canceled > 0) parts.push(`${result.canceled} canceled`);
  return parts.join(', ');
}

function durationText(result: BenchmarkResult): string {
  const elapsed = `${(result.elapsedMs / 1000).toFixed(3)} s`;
  return result.durationLimitMs === null ? elapsed : `${elapsed} (sending for ${result.durationLimitMs / 1000} s)`;
}

function latencyRow(label: string, summary: LatencySummary | null): string[] {
  if (summary === null) return [label, 'n/a'];
  const { count, min, mean, p50, p90, p95, p99, max } = summary;
  return [label, String(count), ...[min, mean, p50, p90, p95, p99, max].map(formatMs)];
}

function latencyTable(result: BenchmarkResult, showCache: boolean): string {
  const hasStreams = result.streamed > 0;
  const rows = [latencyRow('total', result.latency)];
  if (hasStreams) rows.push(latencyRow('first byte', result.timeToFirstByte));
  rows.push(latencyRow('upstream', result.upstream));
  if (result.succeeded > result.streamed) rows.push(latencyRow('proxy overhead', result.proxyOverhead));
  if (hasStreams) rows.push(latencyRow('added first byte', result.addedTimeToFirstByte));
  if (showCache) rows.push(latencyRow('cache hit', result.cache.hit), latencyRow('cache other', result.cache.other));
  return formatTable(['LATENCY (ms)', 'COUNT', 'MIN', 'MEAN', 'P50', 'P90', 'P95', 'P99', 'MAX'], rows, [1, 2, 3, 4, 5, 6, 7, 8]);
}

function notes(result: BenchmarkResult): string[] {
  const hasStreams = result.streamed > 0;
  const hasPlainResponses = result.succeeded > result.streamed;
  const lines = ['Latency counts successful (2xx) responses, from sending the request to its last byte.'];
  if (hasStreams) lines.push('first byte: until the first body byte of a streamed response.');
  if (result.upstream === null) {
    lines.push('upstream and proxy figures: n/a, no response carried numeric X-UPSTREAM-REQUEST-START/-STOP headers (not llm-proxy?).');
    return lines;
  }
  lines.push("upstream: the proxy's wait for the upstream's response headers.");
  if (hasPlainResponses) lines.push('proxy overhead: total minus upstream, what the proxy added around the upstream call.');
  if (hasStreams) lines.push('added first byte: what the proxy added before the response headers of a stream reached the client.');
  return lines;
}

/** The human report: summary, latency table, status codes, errors. */
export function formatTextReport(result: BenchmarkResult, isCacheRequested: boolean): string {
  const showCache = isCacheRequested || result.cache.counts.length > 0;
  const details: [string, string][] = [
    ['Target', `${result.method} ${result.url}`],
    ['Requests', countText(result)],
    ['Concurrency', String(result.concurrency)],
    ['Duration', durationText(result)],
    ['Throughput', `${result.requestsPerSecond.toFixed(2)} req/s`],
  ];
  if (showCache) {
    const counts = result.cache.counts.map(({ value, count }) => `${value} ${count}`).join(', ');
    details.push(['X-PROXY-CACHE', counts === '' ? 'never present' : counts]);
  }
  const sections = [formatDetails(details)];
  if (result.succeeded > 0) sections.push(latencyTable(result, showCache) + notes(result).join('\n') + '\n');
  if (result.interrupted) sections.push(`Interrupted: ${result.canceled} request(s) in flight were canceled and are not counted.\n`);
  else sections.push('Latency: n/a, no successful response.\n');
  if (result.statusCounts.length > 0) {
    sections.push(formatTable(['STATUS', 'COUNT'], result.statusCounts.map(({ value, count }) => [String(value), String(count)]), [1]));
  }
  sections.push(formatTable(['ERROR', 'COUNT', 'MEANING'], ERROR_KINDS.map((kind) => [kind, String(result.errors[kind]), ERROR_MEANINGS[kind]]), [1]));
  return sections.join('\n');
}
