/**
 * The built-in load generator (src/benchmark, the engine of `llm-proxy benchmark`) as a bench
 * load driver; the only driver that measures the time to the first byte of SSE streams.
 */
import { runLoad, type BenchmarkResult } from '../src/benchmark/index.js';
import { CHAT_BODY, tokenFor, type LatencyOutcome, type LoadDriver, type LoadOutcome } from './phase.js';
import type { Target } from './targets.js';

export interface EngineSettings {
  /** Connections of the throughput runs. */
  readonly concurrency: number;
  /** Requests of each throughput run (and of the warm-up). */
  readonly requestsPerRound: number;
  /** Sequential requests of each latency run. */
  readonly latencyRequests: number;
  /** Sequential 50-chunk SSE streams of each latency run (0: none). */
  readonly streams: number;
}

const CHAT = Buffer.from(CHAT_BODY);
const STREAM = Buffer.from(JSON.stringify({ ...JSON.parse(CHAT_BODY), stream: true }));

function outcomeOf(result: BenchmarkResult): LoadOutcome {
  return {
    answered: result.succeeded + result.errors.http,
    ok: result.succeeded,
    broken: result.failed - result.errors.http,
    requestsPerSecond: result.requestsPerSecond,
  };
}

export function engineDriver(settings: EngineSettings): LoadDriver {
  const load = (target: Target, token: string, concurrency: number, requests: number, stream = false) =>
    runLoad({
      url: new URL('/v1/chat/completions', target.baseUrl),
      method: 'POST',
      token,
      body: stream ? STREAM : CHAT,
      expectStream: stream,
      cacheTtlSeconds: target.cacheTtlSeconds,
      concurrency,
      requests,
      timeoutMs: 30_000,
    });

  return {
    name: 'built-in engine',
    async warmUp(target) {
      await load(target, tokenFor(target, 0), settings.concurrency, settings.requestsPerRound);
    },
    async throughput(target, round) {
      return outcomeOf(await load(target, tokenFor(target, round), settings.concurrency, settings.requestsPerRound));
    },
    async latency(target): Promise<LatencyOutcome> {
      const token = tokenFor(target, 0);
      const result = await load(target, token, 1, settings.latencyRequests);
      const sequential = outcomeOf(result);
      const streams = settings.streams > 0 ? await load(target, token, 1, settings.streams, true) : undefined;
      const streamed = streams === undefined ? { answered: 0, ok: 0, broken: 0 } : outcomeOf(streams);
      return {
        answered: sequential.answered + streamed.answered,
        ok: sequential.ok + streamed.ok,
        broken: sequential.broken + streamed.broken,
        requestsPerSecond: sequential.requestsPerSecond,
        p50Ms: result.latency?.p50 ?? Number.NaN,
        p99Ms: result.latency?.p99 ?? Number.NaN,
        firstByteMs: streams?.timeToFirstByte?.p50 ?? Number.NaN,
      };
    },
  };
}
