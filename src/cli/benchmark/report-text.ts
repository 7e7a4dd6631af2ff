import { ERROR_KINDS, type BenchmarkResult, type ErrorKind, type LatencySummary } from '../../benchmark/index.js';
import { formatFittedTable, type FitColumn } from '../fit-table.js';
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

type LatencyRow = readonly [label: string, summary: LatencySummary | null];

const statistic = (header: string, pick: (summary: LatencySummary) => number, dropOrder?: number): FitColumn<LatencyRow> => ({
  header,
  cell: ([, summary]) => (summary === null ? '' : formatMs(pick(summary))),
  isRightAligned: true,
  dropOrder,
});

/** The statistics dropped first on a narrow terminal: the mean, then P95, then P90. */
const LATENCY_COLUMNS: readonly FitColumn<LatencyRow>[] = [
  { header: 'LATENCY (ms)', cell: ([label]) => label },
  { header: 'COUNT', cell: ([, summary]) => (summary === null ? 'n/a' : String(summary.count)), isRightAligned: true },
  statistic('MIN', (summary) => summary.min, 4),
  statistic('MEAN', (summary) => summary.mean, 1),
  statistic('P50', (summary) => summary.p50),
  statistic('P90', (summary) => summary.p90, 3),
  statistic('P95', (summary) => summary.p95, 2),
  statistic('P99', (summary) => summary.p99),
  statistic('MAX', (summary) => summary.max),
];

function latencyTable(result: BenchmarkResult, showCache: boolean, width: number): string {
  const hasStreams = result.streamed > 0;
  const rows: LatencyRow[] = [['total', result.latency]];
  if (hasStreams) rows.push(['first byte', result.timeToFirstByte]);
  rows.push(['upstream', result.upstream]);
  if (result.succeeded > result.streamed) rows.push(['proxy overhead', result.proxyOverhead]);
  if (hasStreams) rows.push(['added first byte', result.addedTimeToFirstByte]);
  if (showCache) rows.push(['cache hit', result.cache.hit], ['cache other', result.cache.other]);
  return formatFittedTable(LATENCY_COLUMNS, rows, width);
}

/** Words wrapped at `width` (never cut inside a word). */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
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

export interface TextReportOptions {
  readonly isCacheRequested: boolean;
  /** Terminal width: tables drop columns and notes wrap to fit (Infinity: no limit). */
  readonly width: number;
  /** Why the run was stopped early by the command itself, if it was. */
  readonly stopReason?: string;
}

function stopNote(result: BenchmarkResult, stopReason: string | undefined): string | undefined {
  const canceled = `${result.canceled} request(s) in flight were canceled and are not counted.`;
  if (stopReason !== undefined) return `Stopped early: ${stopReason}; ${canceled}`;
  if (result.interrupted) return `Interrupted: ${canceled}`;
  return undefined;
}

/** The human report: summary, latency table, status codes, errors. */
export function formatTextReport(result: BenchmarkResult, options: TextReportOptions): string {
  const { width } = options;
  const showCache = options.isCacheRequested || result.cache.counts.length > 0;
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
  if (result.succeeded > 0) {
    sections.push(latencyTable(result, showCache, width) + notes(result).map((note) => wrap(note, width)).join('\n') + '\n');
  } else sections.push('Latency: n/a, no successful response.\n');
  const stopped = stopNote(result, options.stopReason);
  if (stopped !== undefined) sections.push(wrap(stopped, width) + '\n');
  if (result.statusCounts.length > 0) {
    sections.push(formatTable(['STATUS', 'COUNT'], result.statusCounts.map(({ value, count }) => [String(value), String(count)]), [1]));
  }
  const errorColumns: readonly FitColumn<ErrorKind>[] = [
    { header: 'ERROR', cell: (kind) => kind },
    { header: 'COUNT', cell: (kind) => String(result.errors[kind]), isRightAligned: true },
    { header: 'MEANING', cell: (kind) => ERROR_MEANINGS[kind], minWidth: 20 },
  ];
  sections.push(formatFittedTable(errorColumns, ERROR_KINDS, width));
  return sections.join('\n');
}
