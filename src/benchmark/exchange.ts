import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { BodySample } from './body-sample.js';
import type { MeasuredResponse, Recorder } from './recorder.js';

/** The run an exchange reports back to. */
export interface ExchangeOwner {
  readonly recorder: Recorder;
  complete(exchange: Exchange, endAtMs: number): void;
  fail(exchange: Exchange, error: Error): void;
}

const UNIX_NANOS = /^\d{1,20}$/;

/** X-UPSTREAM-REQUEST-STOP − X-UPSTREAM-REQUEST-START in milliseconds, or -1 unless both are numeric. */
export function upstreamMsOf(start: string | string[] | undefined, stop: string | string[] | undefined): number {
  if (typeof start !== 'string' || typeof stop !== 'string' || !UNIX_NANOS.test(start) || !UNIX_NANOS.test(stop)) return -1;
  // BigInt: Unix nanoseconds need 61 bits, more than a double holds exactly.
  const nanos = BigInt(stop) - BigInt(start);
  return nanos < 0n ? -1 : Number(nanos) / 1e6;
}

/**
 * One request and its response, as an undici dispatch handler: it only takes timestamps and a few
 * headers; the body is counted and dropped (or, for --debug, a bounded part is kept).
 */
export class Exchange implements Dispatcher.DispatchHandler, MeasuredResponse {
  controller: Dispatcher.DispatchController | null = null;
  status = 0;
  headersAtMs = 0;
  firstByteAtMs = 0;
  upstreamMs = -1;
  cacheStatus: string | undefined = undefined;
  /** Aborted by the run's timeout sweep. */
  isTimedOut = false;
  /** Aborted because the run was stopped. */
  isCanceled = false;
  #bodySample: BodySample | null = null;

  constructor(
    readonly owner: ExchangeOwner,
    readonly sentAtMs: number,
    public isStream: boolean,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.headersAtMs = performance.now();
    this.status = statusCode;
    const contentType = headers['content-type'];
    if (contentType !== undefined && contentType.startsWith('text/event-stream')) this.isStream = true;
    this.upstreamMs = upstreamMsOf(headers['x-upstream-request-start'], headers['x-upstream-request-stop']);
    const cache = headers['x-proxy-cache'];
    if (typeof cache === 'string') this.cacheStatus = cache.toLowerCase();
    this.#bodySample = this.owner.recorder.bodySampleFor(statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.firstByteAtMs === 0) this.firstByteAtMs = performance.now();
    if (this.#bodySample !== null) this.#bodySample.add(chunk);
  }

  onResponseEnd(): void {
    this.owner.complete(this, performance.now());
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.owner.fail(this, error);
  }
}
