/** Command-line options of `npm run bench`: each has a full default and a `--quick` one. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Rounds of the wrk phase, and latency rounds of the engine phase. */
  readonly rounds: number;
  /** Length of each wrk run, in whole seconds. */
  readonly seconds: number;
  /** wrk threads at `concurrency` connections. */
  readonly threads: number;
  /** Throughput slices of the engine phase. */
  readonly slices: number;
  /** Engine throughput requests per target, over all slices. */
  readonly requests: number;
  /** Engine sequential requests per latency round. */
  readonly latencyRequests: number;
  /** Engine sequential SSE streams per latency round. */
  readonly streams: number;
  /** Connections of the throughput runs (both phases). */
  readonly concurrency: number;
  readonly output: 'text' | 'json';
}

type NumericOption = Exclude<keyof BenchOptions, 'output'>;

const DEFAULTS: Record<NumericOption, { full: number; quick: number; flag: string }> = {
  rounds: { full: 5, quick: 1, flag: 'rounds' },
  seconds: { full: 2, quick: 1, flag: 'seconds' },
  threads: { full: 2, quick: 2, flag: 'threads' },
  slices: { full: 8, quick: 2, flag: 'slices' },
  requests: { full: 12_000, quick: 2_000, flag: 'requests' },
  latencyRequests: { full: 500, quick: 100, flag: 'latency-requests' },
  streams: { full: 20, quick: 5, flag: 'streams' },
  concurrency: { full: 64, quick: 64, flag: 'concurrency' },
};

export const USAGE = `npm run bench -- [--quick] [--output text|json] ${Object.values(DEFAULTS)
  .map(({ flag, full }) => `[--${flag} ${full}]`)
  .join(' ')}`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const numeric = Object.fromEntries(Object.values(DEFAULTS).map(({ flag }) => [flag, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: argv,
    options: { ...numeric, quick: { type: 'boolean' }, output: { type: 'string', default: 'text' } },
  });
  const pick = (name: NumericOption): number => {
    const { flag, full, quick } = DEFAULTS[name];
    const given = (values as Record<string, unknown>)[flag];
    const value = typeof given === 'string' ? Number(given) : values.quick ? quick : full;
    if (!Number.isInteger(value) || value < (name === 'streams' ? 0 : 1)) throw new Error(`--${flag} wants a whole number, got ${String(given)}\n${USAGE}`);
    return value;
  };
  if (values.output !== 'text' && values.output !== 'json') throw new Error(`--output is text or json\n${USAGE}`);
  return {
    rounds: pick('rounds'),
    seconds: pick('seconds'),
    threads: pick('threads'),
    slices: pick('slices'),
    requests: pick('requests'),
    latencyRequests: pick('latencyRequests'),
    streams: pick('streams'),
    concurrency: pick('concurrency'),
    output: values.output,
  };
}
