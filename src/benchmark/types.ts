import type { IncomingHttpHeaders } from 'node:http';
import type { LatencySummary } from './statistics.js';

export type BenchmarkMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Why a request failed: `connect` (refused, DNS, TLS, reset before any response), `timeout` (no
 * complete response within the per-request timeout), `http` (a non-2xx status), `incomplete`
 * (the connection broke after the response had started).
 */
export type ErrorKind = 'connect' | 'timeout' | 'http' | 'incomplete';

export const ERROR_KINDS: readonly ErrorKind[] = ['connect', 'timeout', 'http', 'incomplete'];

export interface LoadOptions {
  /** The URL every request goes to (origin, path and query). */
  readonly url: URL;
  readonly method: BenchmarkMethod;
  /** Sent as `Authorization: Bearer <token>`; never part of the result. */
  readonly token: string;
  /** JSON request body, sent with `Content-Type: application/json`. */
  readonly body?: Buffer;
  /** The body asks for a stream (`"stream": true`): measure time to first byte whatever the content type. */
  readonly expectStream?: boolean;
  /** When set, every request carries `Cache-Control: public, max-age=<cacheTtlSeconds>`. */
  readonly cacheTtlSeconds?: number;
  /** Requests kept in flight (one keep-alive connection each). */
  readonly concurrency: number;
  /** Total number of requests to send; ignored when `durationMs` is set. */
  readonly requests?: number;
  /** Send requests for this long instead (those in flight at the end still complete). */
  readonly durationMs?: number;
  /** A request that has not completed after this long is aborted and counted as `timeout`. */
  readonly timeoutMs: number;
  /** Keep one response per status code, with up to this many body bytes (0 or unset: none). */
  readonly debugBodyBytes?: number;
  /** Called about ten times a second while the run lasts. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Aborting stops the run: nothing more is sent, in-flight requests are cancelled. */
  readonly signal?: AbortSignal;
}

export interface LoadProgress {
  readonly sent: number;
  /** Requests answered or failed so far (succeeded + failed). */
  readonly completed: number;
  readonly failed: number;
  /** Responses with status 401 so far (a wrong token: nothing will get better). */
  readonly unauthorized: number;
  readonly elapsedMs: number;
}

/** The first response seen with a given status code (`--debug`). */
export interface ResponseSample {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first bytes of the body, at most `debugBodyBytes`. */
  readonly body: Buffer;
  /** Size of the whole body as received. */
  readonly bodyBytes: number;
}

/** The first error of a kind other than `http` (`--debug`). */
export interface ErrorSample {
  readonly kind: ErrorKind;
  readonly message: string;
}

export interface CountOf<T> {
  readonly value: T;
  readonly count: number;
}

/**
 * What a run measured. Durations are milliseconds. Latency figures come from successful (2xx)
 * responses only:
 * - `latency`: send → last body byte.
 * - `timeToFirstByte` (streaming responses): send → first body byte.
 * - `upstream`: X-UPSTREAM-REQUEST-STOP − X-UPSTREAM-REQUEST-START, i.e. the proxy's wait for the
 *   upstream's response headers.
 * - `proxyOverhead` (non-streaming responses): (upstream start − send) + (last byte − upstream
 *   stop) = latency − upstream: what the proxy added in front of and behind the upstream, body
 *   transfer included. Computed from differences on each clock, so unaffected by clock offsets.
 * - `addedTimeToFirstByte` (streaming responses): (upstream start − send) + (response headers −
 *   upstream stop): what the proxy added before the stream reached the client.
 */
export interface BenchmarkResult {
  readonly url: string;
  readonly method: BenchmarkMethod;
  readonly concurrency: number;
  readonly requestLimit: number | null;
  readonly durationLimitMs: number | null;
  readonly timeoutMs: number;
  readonly sent: number;
  /** succeeded + failed. */
  readonly completed: number;
  readonly succeeded: number;
  readonly failed: number;
  /** In flight when the run was stopped (`signal`), neither succeeded nor failed. */
  readonly canceled: number;
  readonly interrupted: boolean;
  readonly elapsedMs: number;
  /** completed / elapsed time. */
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary | null;
  readonly timeToFirstByte: LatencySummary | null;
  readonly upstream: LatencySummary | null;
  readonly proxyOverhead: LatencySummary | null;
  readonly addedTimeToFirstByte: LatencySummary | null;
  /** Successful responses that were streams (text/event-stream, or a body asking for one). */
  readonly streamed: number;
  /** Ascending by status code. */
  readonly statusCounts: readonly CountOf<number>[];
  readonly errors: Readonly<Record<ErrorKind, number>>;
  readonly cache: {
    /** Responses by X-PROXY-CACHE value (lower-cased), most frequent first. */
    readonly counts: readonly CountOf<string>[];
    /** Latency of successful responses marked `hit` or `conditional-hit`. */
    readonly hit: LatencySummary | null;
    /** Latency of the other successful responses (another value or no header). */
    readonly other: LatencySummary | null;
  };
  readonly responseSamples: readonly ResponseSample[];
  readonly errorSamples: readonly ErrorSample[];
}
