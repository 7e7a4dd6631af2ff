import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors.js';
import { unixMicros } from './clock.js';
import { pathOf } from './request-policy.js';
import { pickRequestId } from './request-id.js';
import type { ResponseTap, ResponseTransformFactory } from './stage.js';
import type { Admission } from './token-auth.js';
import type { UpstreamCall } from './upstream-pool.js';

/**
 * One /v1 request on its way through the pipeline: the request facts, who it was admitted as,
 * what stages added, the timings and the outcome. Stages read and write it; completion stages
 * (events, access log) read it once the response is over. Fields are plain and fixed so that
 * every exchange has the same shape.
 */
export class Exchange {
  readonly startedMicros = unixMicros();
  readonly method: string;
  /** Path and query as the client sent them (already checked by the policy before stages run). */
  readonly url: string;
  readonly requestId: string;
  readonly origin: string | undefined;
  /** True while an `Expect: 100-continue` client waits for the go-ahead (its body is not sent yet). */
  awaitingContinue = false;
  /** Set once the token is authenticated. */
  admission: Admission | undefined = undefined;
  /** True once the request was counted against its token. */
  consumed = false;
  /** The request body, when a stage (or the proxy) held it in memory; undefined when it streams. */
  requestBody: Buffer | undefined = undefined;
  /** Extra response headers (flat name/value list) stages want on the client's answer. */
  responseHeaders: string[] | undefined = undefined;
  taps: ResponseTap[] | undefined = undefined;
  responseTransform: ResponseTransformFactory | undefined = undefined;
  /** The upstream call, once started (aborted when the client leaves, resumed after backpressure). */
  upstreamCall: UpstreamCall | undefined = undefined;
  /** Unix µs when the upstream request was sent / its response headers arrived; 0 when not. */
  sentMicros = 0;
  receivedMicros = 0;
  /** The proxy's own error code, when it refused or failed the call. */
  errorCode: ErrorCode | null = null;
  /** The response cache's verdict (hit, miss, bypass…) when the cache looked at this exchange. */
  cacheStatus: string | null = null;
  private pathCache: string | undefined = undefined;
  /** What stages keep about this exchange between their hooks (see slot()); created on first use. */
  private slots: Record<symbol, unknown> | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
    this.requestId = pickRequestId(req.headers['x-request-id']);
    this.origin = req.headers.origin;
  }

  /** The request path without its query. */
  get path(): string {
    return (this.pathCache ??= pathOf(this.url));
  }

  /** Milliseconds from sending the upstream request to its response headers; null when never sent. */
  get upstreamMs(): number | null {
    return this.receivedMicros === 0 ? null : (this.receivedMicros - this.sentMicros) / 1000;
  }

  /** Status sent to the client; 0 when nothing was sent before it left. */
  get status(): number {
    return this.res.headersSent ? this.res.statusCode : 0;
  }

  /** True when the client left before the response was complete. */
  get aborted(): boolean {
    return !this.res.writableFinished;
  }

  /**
   * A stage's own data for this exchange, under a key the stage owns (a symbol). Kept on the
   * exchange rather than in a WeakMap: weak maps keep their entries alive until a full garbage
   * collection, which under load costs memory and time on every request.
   */
  slot<T>(key: symbol): T | undefined {
    return this.slots?.[key] as T | undefined;
  }

  /** A plain object rather than a Map: a few symbol-keyed properties cost less than a hash table per request. */
  setSlot(key: symbol, value: unknown): void {
    (this.slots ??= {})[key] = value;
  }

  addTap(tap: ResponseTap): void {
    (this.taps ??= []).push(tap);
  }

  addResponseHeader(name: string, value: string): void {
    (this.responseHeaders ??= []).push(name, value);
  }
}
