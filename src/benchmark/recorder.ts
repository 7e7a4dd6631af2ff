import type { IncomingHttpHeaders } from 'node:http';
import { BodySample } from './body-sample.js';
import { describeNetworkError } from './errors.js';
import { SampleSet } from './sample-set.js';
import { summarize } from './statistics.js';
import type { BenchmarkResult, CountOf, ErrorKind } from './types.js';

/** What the recorder reads off one finished response (times are performance.now() readings). */
export interface MeasuredResponse {
  readonly status: number;
  readonly sentAtMs: number;
  readonly headersAtMs: number;
  /** 0 when the body was empty. */
  readonly firstByteAtMs: number;
  /** X-UPSTREAM-REQUEST-STOP − START in ms, or -1 when the headers were missing. */
  readonly upstreamMs: number;
  /** X-PROXY-CACHE, lower-cased. */
  readonly cacheStatus: string | undefined;
  readonly isStream: boolean;
}

const CACHE_HITS = new Set(['hit', 'conditional-hit']);

export type RecordedFigures = Pick<
  BenchmarkResult,
  | 'succeeded'
  | 'failed'
  | 'latency'
  | 'timeToFirstByte'
  | 'upstream'
  | 'proxyOverhead'
  | 'addedTimeToFirstByte'
  | 'streamed'
  | 'statusCounts'
  | 'errors'
  | 'cache'
  | 'responseSamples'
  | 'errorSamples'
>;

/** Accumulates counts and samples as responses finish; turns them into figures at the end. */
export class Recorder {
  readonly #statusCounts = new Uint32Array(1000);
  readonly #errors: Record<ErrorKind, number> = { connect: 0, timeout: 0, http: 0, incomplete: 0 };
  readonly #cacheCounts = new Map<string, number>();
  // Latency is kept in two sets, cache hits and the rest, and merged for the overall figures.
  readonly #hitLatency = new SampleSet();
  readonly #otherLatency = new SampleSet();
  readonly #timeToFirstByte = new SampleSet();
  readonly #upstream = new SampleSet();
  readonly #proxyOverhead = new SampleSet();
  readonly #addedTimeToFirstByte = new SampleSet();
  readonly #bodySamples = new Map<number, BodySample>();
  readonly #errorSamples = new Map<ErrorKind, string>();
  #succeeded = 0;
  #failed = 0;
  #streamed = 0;

  /** @param debugBodyBytes keep one response per status code with this many body bytes; 0 = none. */
  constructor(readonly debugBodyBytes: number) {}

  get succeeded(): number {
    return this.#succeeded;
  }

  /** How many responses so far had this status. */
  countOfStatus(status: number): number {
    return this.#statusCounts[status] ?? 0;
  }

  get failed(): number {
    return this.#failed;
  }

  /** A body capture for the first response with `status` when --debug is on, otherwise null. */
  bodySampleFor(status: number, headers: IncomingHttpHeaders): BodySample | null {
    if (this.debugBodyBytes <= 0 || this.#bodySamples.has(status)) return null;
    const sample = new BodySample(status, headers, this.debugBodyBytes);
    this.#bodySamples.set(status, sample);
    return sample;
  }

  recordResponse(response: MeasuredResponse, endAtMs: number): void {
    const { status, cacheStatus } = response;
    if (status < this.#statusCounts.length) this.#statusCounts[status] = (this.#statusCounts[status] ?? 0) + 1;
    if (cacheStatus !== undefined) this.#cacheCounts.set(cacheStatus, (this.#cacheCounts.get(cacheStatus) ?? 0) + 1);
    if (status < 200 || status > 299) {
      this.#failed++;
      this.#errors.http++;
      return;
    }
    this.#succeeded++;
    const latencyMs = endAtMs - response.sentAtMs;
    (cacheStatus !== undefined && CACHE_HITS.has(cacheStatus) ? this.#hitLatency : this.#otherLatency).add(latencyMs);
    if (response.isStream) {
      this.#streamed++;
      this.#timeToFirstByte.add((response.firstByteAtMs || response.headersAtMs) - response.sentAtMs);
    }
    const { upstreamMs } = response;
    if (upstreamMs < 0) return;
    this.#upstream.add(upstreamMs);
    if (response.isStream) this.#addedTimeToFirstByte.add(response.headersAtMs - response.sentAtMs - upstreamMs);
    else this.#proxyOverhead.add(latencyMs - upstreamMs);
  }

  recordError(kind: ErrorKind, error: unknown): void {
    this.#failed++;
    this.#errors[kind]++;
    if (!this.#errorSamples.has(kind)) this.#errorSamples.set(kind, describeNetworkError(error));
  }

  /** The figures so far (sorts the samples: call once, at the end). */
  figures(): RecordedFigures {
    const statusCounts: CountOf<number>[] = [];
    this.#statusCounts.forEach((count, status) => {
      if (count > 0) statusCounts.push({ value: status, count });
    });
    return {
      succeeded: this.#succeeded,
      failed: this.#failed,
      latency: summarize(this.#hitLatency, this.#otherLatency),
      timeToFirstByte: summarize(this.#timeToFirstByte),
      upstream: summarize(this.#upstream),
      proxyOverhead: summarize(this.#proxyOverhead),
      addedTimeToFirstByte: summarize(this.#addedTimeToFirstByte),
      streamed: this.#streamed,
      statusCounts,
      errors: { ...this.#errors },
      cache: {
        counts: [...this.#cacheCounts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count),
        hit: summarize(this.#hitLatency),
        other: summarize(this.#otherLatency),
      },
      responseSamples: [...this.#bodySamples.values()].sort((a, b) => a.status - b.status).map((sample) => sample.toSample()),
      errorSamples: [...this.#errorSamples].map(([kind, message]) => ({ kind, message })),
    };
  }
}
