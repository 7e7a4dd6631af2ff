import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { VERSION } from '../version.js';
import { unixNanosAt } from './clock.js';
import { Exchange, type ExchangeOwner } from './exchange.js';
import { Recorder } from './recorder.js';
import type { BenchmarkResult, ErrorKind, LoadOptions } from './types.js';

/** Raised into a request the timeout sweep aborts. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'BENCHMARK_REQUEST_TIMEOUT';
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'BENCHMARK_REQUEST_TIMEOUT']);
const TICK_MS = 100;

/**
 * Sends the requests of a benchmark and measures them: `concurrency` requests in flight at all
 * times, each on its own keep-alive connection, until the request count or the duration is used up.
 */
export async function runLoad(options: LoadOptions): Promise<BenchmarkResult> {
  return new LoadRun(options).run();
}

class LoadRun implements ExchangeOwner {
  readonly recorder: Recorder;
  readonly #options: LoadOptions;
  readonly #pool: Pool;
  readonly #path: string;
  /** Header name/value pairs; index 1 (X-REQUEST-START) is filled in per request. */
  readonly #headerTemplate: string[];
  readonly #requestLimit: number;
  readonly #inFlight = new Set<Exchange>();
  readonly #dispatchNext = () => this.#next();
  #deadlineMs = Number.POSITIVE_INFINITY;
  #startedAtMs = 0;
  #finishedAtMs = 0;
  #sent = 0;
  #canceled = 0;
  #isStopped = false;
  #isFinished = false;
  #resolveFinished: () => void = () => {};

  constructor(options: LoadOptions) {
    this.#options = options;
    this.recorder = new Recorder(options.debugBodyBytes ?? 0);
    this.#requestLimit = options.durationMs === undefined ? (options.requests ?? 1) : Number.POSITIVE_INFINITY;
    this.#path = options.url.pathname + options.url.search;
    this.#headerTemplate = ['x-request-start', '', 'authorization', `Bearer ${options.token}`, 'user-agent', `llm-proxy-benchmark/${VERSION}`];
    if (options.body !== undefined) this.#headerTemplate.push('content-type', 'application/json');
    if (options.cacheTtlSeconds !== undefined) this.#headerTemplate.push('cache-control', `public, max-age=${options.cacheTtlSeconds}`);
    this.#pool = new Pool(options.url.origin, {
      connections: Math.min(options.concurrency, this.#requestLimit),
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.timeoutMs },
    });
  }

  async run(): Promise<BenchmarkResult> {
    const { signal, durationMs, concurrency } = this.#options;
    const finished = new Promise<void>((resolve) => (this.#resolveFinished = resolve));
    const ticker = setInterval(() => this.#tick(), Math.min(TICK_MS, Math.max(5, this.#options.timeoutMs / 4)));
    const stop = () => this.#stop();
    signal?.addEventListener('abort', stop, { once: true });
    this.#startedAtMs = performance.now();
    if (durationMs !== undefined) this.#deadlineMs = this.#startedAtMs + durationMs;
    if (signal?.aborted) this.#isStopped = true;
    try {
      for (let slot = 0; slot < concurrency; slot++) this.#next();
      await finished;
    } finally {
      clearInterval(ticker);
      signal?.removeEventListener('abort', stop);
      await this.#pool.destroy();
    }
    return this.#result();
  }

  complete(exchange: Exchange, endAtMs: number): void {
    this.#inFlight.delete(exchange);
    this.recorder.recordResponse(exchange, endAtMs);
    this.#next();
  }

  fail(exchange: Exchange, error: Error): void {
    this.#inFlight.delete(exchange);
    if (exchange.isCanceled) this.#canceled++;
    else this.recorder.recordError(errorKindOf(exchange, error), error);
    // Not synchronously: a target that fails at once would otherwise recurse and starve the timers.
    setImmediate(this.#dispatchNext);
  }

  /** Sends the next request, or ends the run when there is none left to send and none in flight. */
  #next(): void {
    if (this.#isFinished) return;
    const now = performance.now();
    if (this.#isStopped || this.#sent >= this.#requestLimit || now >= this.#deadlineMs) {
      if (this.#inFlight.size === 0) {
        this.#isFinished = true;
        this.#finishedAtMs = now;
        this.#resolveFinished();
      }
      return;
    }
    this.#sent++;
    const headers = this.#headerTemplate.slice();
    headers[1] = unixNanosAt(now);
    const exchange = new Exchange(this, now, this.#options.expectStream === true);
    this.#inFlight.add(exchange);
    const request: Dispatcher.DispatchOptions = { path: this.#path, method: this.#options.method, headers, body: this.#options.body ?? null };
    this.#pool.dispatch(request, exchange);
  }

  /** Runs every TICK_MS: aborts requests past the timeout, reports progress. */
  #tick(): void {
    const now = performance.now();
    const { timeoutMs, onProgress } = this.#options;
    for (const exchange of this.#inFlight) {
      if (!exchange.isTimedOut && now - exchange.sentAtMs >= timeoutMs) {
        exchange.isTimedOut = true;
        exchange.controller?.abort(new RequestTimeoutError(`no complete response after ${timeoutMs} ms`));
      }
    }
    onProgress?.({
      sent: this.#sent,
      completed: this.recorder.succeeded + this.recorder.failed,
      failed: this.recorder.failed,
      unauthorized: this.recorder.countOfStatus(401),
      elapsedMs: now - this.#startedAtMs,
    });
  }

  #stop(): void {
    this.#isStopped = true;
    for (const exchange of this.#inFlight) exchange.isCanceled = true;
    // Fails every request, including those still waiting for their connection to open.
    void this.#pool.destroy(new Error('benchmark stopped'));
    setImmediate(this.#dispatchNext); // ends the run if nothing was in flight
  }

  #result(): BenchmarkResult {
    const { url, method, concurrency, durationMs, timeoutMs } = this.#options;
    const figures = this.recorder.figures();
    const completed = figures.succeeded + figures.failed;
    const elapsedMs = this.#finishedAtMs - this.#startedAtMs;
    return {
      url: url.href,
      method,
      concurrency,
      requestLimit: durationMs === undefined ? this.#requestLimit : null,
      durationLimitMs: durationMs ?? null,
      timeoutMs,
      sent: this.#sent,
      completed,
      canceled: this.#canceled,
      interrupted: this.#isStopped,
      elapsedMs,
      requestsPerSecond: elapsedMs > 0 ? completed / (elapsedMs / 1000) : 0,
      ...figures,
    };
  }
}

function errorKindOf(exchange: Exchange, error: Error): ErrorKind {
  const code = (error as { code?: unknown }).code;
  if (exchange.isTimedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'timeout';
  return exchange.status === 0 ? 'connect' : 'incomplete';
}
