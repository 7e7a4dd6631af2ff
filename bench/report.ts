/**
 * Turns the samples of a bench run into figures, ratios against the bare node:http proxy (the
 * floor), and the performance bounds with PASS/FAIL; renders them as Markdown tables or JSON.
 */
import type { BenchOptions } from './options.js';
import { addedRatio, median, pairedDifference, pairedRatio, type PhaseResult, type PhaseSamples, type Samples } from './samples.js';
import { inRoundOrder, type Lineup, type Role, type Target } from './targets.js';

export interface BenchInput {
  readonly options: BenchOptions;
  readonly lineup: Lineup;
  /** Undefined when wrk is not installed. */
  readonly wrk: PhaseResult | undefined;
  readonly engine: PhaseResult;
  /** Peak RSS (VmHWM) of each measured process, by target name. */
  readonly peakRssMiB: ReadonlyMap<string, number>;
}

interface TargetFigures {
  name: string;
  role: Role;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  firstByteMs: number;
  peakRssMiB: number;
  errors: number;
}

/** A target against the floor of the same run: ratios are medians of per-round ratios. */
interface Comparison {
  name: string;
  cpuRatio: number;
  throughputRatio: number;
  addedP50Ratio: number;
  firstByteAddedMs: number;
  peakRssRatio: number;
}

interface PhaseReport {
  driver: string;
  figures: TargetFigures[];
  comparisons: Comparison[];
  /** Request rate with unknown tokens / with the valid token, same process, paired rounds. */
  bogusToValidRate: number;
  /** CPU per memory-cache hit / the bare proxy's CPU per proxied request, paired rounds. */
  cacheHitCpuRatio: number;
  /** p50 of a memory-cache hit at 1 connection / the upstream's own p50, paired rounds. */
  cacheHitP50VsDirect: number;
  samples: Record<string, Samples>;
}

interface Bound {
  label: string;
  value: number;
  comparison: '≤' | '≥';
  limit: number;
  unit: '×' | 'ms';
  source: string;
  /** Null when the figure could not be measured. */
  pass: boolean | null;
}

export interface BenchReport {
  options: BenchOptions;
  definitions: string[];
  wrk: PhaseReport | null;
  engine: PhaseReport;
  bounds: Bound[];
}

const DEFINITIONS = [
  'Ratios compare a target with the bare node:http proxy measured in the same round (or slice); each is the median over rounds of the per-round ratio. CPU and request rate pair each llm-proxy run with a bare-proxy run measured just before it (the bare proxy runs again before each variant).',
  'Added p50 at 1 connection = p50 through the proxy − p50 of the upstream served directly, same round; the bound compares llm-proxy’s added p50 with the bare proxy’s.',
  'Added first SSE byte = llm-proxy’s time to the first byte of a stream − the bare proxy’s, same round (built-in engine: wrk cannot see first bytes).',
  'Peak RSS = VmHWM of the process at the end of the run, i.e. its peak under the load of both phases.',
  'Bogus tokens = well-formed tokens (sk- + 22 base64url characters) no database holds, a few in turn; their rate is compared with the valid token’s on the same process.',
];

function samplesOf(samples: PhaseSamples, target: Target): Samples {
  const found = samples.get(target.name);
  if (!found) throw new Error(`no samples for ${target.name}`);
  return found;
}

function figuresOf(samples: PhaseSamples, target: Target, peakRssMiB: ReadonlyMap<string, number>): TargetFigures {
  const measured = samplesOf(samples, target);
  return {
    name: target.name,
    role: target.role,
    requestsPerSecond: median(measured.requestsPerSecond),
    cpuMicrosPerRequest: median(measured.cpuMicrosPerRequest),
    p50Ms: median(measured.p50Ms),
    p99Ms: median(measured.p99Ms),
    firstByteMs: median(measured.firstByteMs),
    peakRssMiB: peakRssMiB.get(target.name) ?? Number.NaN,
    errors: measured.errors,
  };
}

function compareWithFloor(samples: PhaseSamples, lineup: Lineup, target: Target, peakRssMiB: ReadonlyMap<string, number>): Comparison {
  const [ours, floor, direct] = [target, lineup.floor, lineup.direct].map((each) => samplesOf(samples, each)) as [Samples, Samples, Samples];
  return {
    name: target.name,
    cpuRatio: pairedRatio(ours.cpuMicrosPerRequest, ours.floorCpuMicrosPerRequest),
    throughputRatio: pairedRatio(ours.requestsPerSecond, ours.floorRequestsPerSecond),
    addedP50Ratio: addedRatio(ours.p50Ms, floor.p50Ms, direct.p50Ms),
    firstByteAddedMs: pairedDifference(ours.firstByteMs, floor.firstByteMs),
    peakRssRatio: (peakRssMiB.get(target.name) ?? Number.NaN) / (peakRssMiB.get(lineup.floor.name) ?? Number.NaN),
  };
}

function phaseReport({ driver, samples }: PhaseResult, input: BenchInput): PhaseReport {
  const { lineup, peakRssMiB } = input;
  const comparisons = [lineup.proxy, lineup.quietProxy, lineup.fileEventLog].map((target) => compareWithFloor(samples, lineup, target, peakRssMiB));
  return {
    driver,
    figures: inRoundOrder(lineup).map((target) => figuresOf(samples, target, peakRssMiB)),
    comparisons,
    bogusToValidRate: pairedRatio(samplesOf(samples, lineup.bogus).requestsPerSecond, samplesOf(samples, lineup.proxy).requestsPerSecond),
    cacheHitCpuRatio: pairedRatio(samplesOf(samples, lineup.cacheHits).cpuMicrosPerRequest, samplesOf(samples, lineup.cacheHits).floorCpuMicrosPerRequest),
    cacheHitP50VsDirect: pairedRatio(samplesOf(samples, lineup.cacheHits).p50Ms, samplesOf(samples, lineup.direct).p50Ms),
    samples: Object.fromEntries(samples),
  };
}

function bound(label: string, value: number, comparison: Bound['comparison'], limit: number, unit: Bound['unit'], source: string): Bound {
  const pass = Number.isNaN(value) ? null : comparison === '≤' ? value <= limit : value >= limit;
  return { label, value, comparison, limit, unit, source, pass };
}

/** The performance bounds, from wrk where it ran (the independent measurement), else from the built-in engine. */
function boundsOf(primary: PhaseReport, engine: PhaseReport): Bound[] {
  const [proxy, quiet, logged] = primary.comparisons as [Comparison, Comparison, Comparison];
  const [engineProxy] = engine.comparisons as [Comparison, Comparison, Comparison];
  return [
    bound('CPU per request, defaults (access log on)', proxy.cpuRatio, '≤', 1.25, '×', primary.driver),
    bound('CPU per request, LOG_REQUESTS=false', quiet.cpuRatio, '≤', 1.15, '×', primary.driver),
    bound('CPU per request, FILE_EVENT_LOG on', logged.cpuRatio, '≤', 1.3, '×', primary.driver),
    bound('added p50 at 1 connection, defaults', proxy.addedP50Ratio, '≤', 1.2, '×', primary.driver),
    bound('peak RSS under load, defaults', proxy.peakRssRatio, '≤', 1.3, '×', '/proc VmHWM'),
    bound('added first SSE byte, defaults', engineProxy.firstByteAddedMs, '≤', 0.3, 'ms', engine.driver),
    bound('bogus / valid tokens, request rate at 64 connections', primary.bogusToValidRate, '≥', 0.9, '×', primary.driver),
    bound('CPU per memory-cache hit vs the bare proxy per request', primary.cacheHitCpuRatio, '≤', 0.5, '×', primary.driver),
    bound('p50 of a memory-cache hit at 1 connection vs the upstream direct', primary.cacheHitP50VsDirect, '≤', 1, '×', primary.driver),
  ];
}

export function buildReport(input: BenchInput): BenchReport {
  const engine = phaseReport(input.engine, input);
  const wrk = input.wrk === undefined ? null : phaseReport(input.wrk, input);
  return { options: input.options, definitions: DEFINITIONS, wrk, engine, bounds: boundsOf(wrk ?? engine, engine) };
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const signed = (value: number, digits: number): string => (value >= 0 ? `+${fixed(value, digits)}` : fixed(value, digits));
const withUnit = (text: string, unit: string): string => (text === '–' ? text : `${text}${unit}`);
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function methodOf(options: BenchOptions, withWrk: boolean): string[] {
  const { rounds, seconds, concurrency, threads, slices, requests, latencyRequests, streams } = options;
  const wrk = withWrk
    ? `wrk: ${plural(rounds, 'round')} of ${seconds} s per target at ${concurrency} connections (${threads} threads), then ${plural(rounds, 'round')} of ${seconds} s at 1 connection; targets alternate within each round.`
    : 'wrk: not run.';
  return [
    wrk,
    `Built-in engine: ${plural(slices, 'slice')} of ${Math.ceil(requests / slices)} requests per target at ${concurrency} connections; ${plural(rounds, 'latency round')} of ${latencyRequests} sequential requests and ${streams} sequential 50-chunk SSE streams.`,
  ];
}

function phaseText(phase: PhaseReport, concurrency: number): string[] {
  const figures = table(
    ['target', `req/s @${concurrency}`, 'CPU µs/req', 'p50 ms @1', 'p99 ms @1', 'first SSE byte ms', 'peak RSS MiB', 'errors'],
    phase.figures.map((row) => [
      row.name,
      fixed(row.requestsPerSecond, 0),
      fixed(row.cpuMicrosPerRequest, 0),
      fixed(row.p50Ms, 3),
      fixed(row.p99Ms, 3),
      fixed(row.firstByteMs, 3),
      row.role === 'bogus' ? '(same process)' : fixed(row.peakRssMiB, 1),
      String(row.errors),
    ]),
  );
  const ratios = table(
    ['vs the bare node:http proxy', 'CPU/req', 'req/s', 'added p50 @1', 'peak RSS', 'first SSE byte'],
    phase.comparisons.map((row) => [
      row.name,
      withUnit(fixed(row.cpuRatio, 2), '×'),
      withUnit(fixed(row.throughputRatio, 2), '×'),
      withUnit(fixed(row.addedP50Ratio, 2), '×'),
      withUnit(fixed(row.peakRssRatio, 2), '×'),
      withUnit(signed(row.firstByteAddedMs, 3), ' ms'),
    ]),
  );
  return [
    `### ${phase.driver}`,
    '',
    ...figures,
    '',
    ...ratios,
    '',
    `Bogus / valid tokens, request rate: ${fixed(phase.bogusToValidRate, 2)}×`,
    `Memory-cache hits: CPU ${fixed(phase.cacheHitCpuRatio, 2)}× the bare proxy's per request, p50 @1 ${fixed(phase.cacheHitP50VsDirect, 2)}× the upstream's own`,
    '',
  ];
}

export function renderText(report: BenchReport): string {
  const bounds = table(
    ['bound', 'measured', 'limit', 'from', 'result'],
    report.bounds.map((row) => [
      row.label,
      row.unit === 'ms' ? withUnit(signed(row.value, 3), ' ms') : withUnit(fixed(row.value, 2), '×'),
      row.unit === 'ms' ? `${row.comparison} +${row.limit} ms` : `${row.comparison} ${row.limit}×`,
      row.source,
      row.pass === null ? 'not measured' : row.pass ? 'PASS' : 'FAIL',
    ]),
  );
  return [
    ...methodOf(report.options, report.wrk !== null),
    '',
    ...(report.wrk === null ? [] : phaseText(report.wrk, report.options.concurrency)),
    ...phaseText(report.engine, report.options.concurrency),
    '### Bounds',
    '',
    ...bounds,
    '',
    ...report.definitions.map((line) => `- ${line}`),
    '',
  ].join('\n');
}
