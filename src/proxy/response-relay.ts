import type { IncomingHttpHeaders } from 'node:http';
import { finished, type Transform, type Writable } from 'node:stream';
import { nanosHeader, unixMicros } from './clock.js';
import { appendCorsHeaders } from './cors.js';
import type { Exchange } from './exchange.js';
import { withoutContentLength } from './header-list.js';
import { copyResponseHeaders } from './headers.js';
import type { ResponseTap } from './stage.js';
import type { UpstreamHandlers } from './upstream.js';

/** What the relay asks of the proxy handler. */
export interface RelayOwner {
  /** Fails the exchange (an upstream call that failed before its response began). */
  fail(exchange: Exchange, error: unknown): void;
  /** True once the server is shutting down: answers close their connection. */
  readonly draining: boolean;
}

const X_REQUEST_START = /^\d{1,20}$/;
const NO_TAPS: readonly ResponseTap[] = [];

/**
 * Carries one upstream response to the client: the head (upstream headers plus the proxy's own),
 * then the body chunk by chunk, through the exchange's transform when it has one, pausing the
 * upstream while the client reads slowly; response taps see every chunk as it passes.
 */
export class ResponseRelay implements UpstreamHandlers {
  private sink: Writable | undefined = undefined;
  private transform: Transform | undefined = undefined;
  /** Taps fed the body as the upstream sent it. */
  private upstreamTaps: readonly ResponseTap[] = NO_TAPS;
  /** Taps fed the body as the client receives it (after the transform). */
  private clientTaps: readonly ResponseTap[] = NO_TAPS;
  private tapsEnded = false;
  private awaitingDrain = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly owner: RelayOwner,
  ) {}

  head(status: number, headers: IncomingHttpHeaders): void {
    const { exchange } = this;
    const { res, taps } = exchange;
    exchange.receivedMicros = unixMicros();
    // First, so that a tap may still add response headers (exchange.addResponseHeader).
    if (taps !== undefined) for (const tap of taps) tap.headers?.(status, headers);
    const out = copyResponseHeaders(
      headers,
      [
        'X-Request-ID',
        exchange.requestId,
        'X-UPSTREAM-REQUEST-START',
        nanosHeader(exchange.sentMicros),
        'X-UPSTREAM-REQUEST-STOP',
        nanosHeader(exchange.receivedMicros),
      ],
      exchange.origin !== undefined,
    );
    const clientStart = exchange.req.headers['x-request-start'];
    if (typeof clientStart === 'string' && X_REQUEST_START.test(clientStart)) out.push('X-REQUEST-START', clientStart);
    if (exchange.origin !== undefined) appendCorsHeaders(out, exchange.origin);
    if (exchange.responseHeaders !== undefined) out.push(...exchange.responseHeaders);
    if (this.owner.draining) out.push('Connection', 'close');
    const transform = exchange.responseTransform?.(status, headers);
    if (taps !== undefined) this.attachTaps(taps, transform);
    res.writeHead(status, transform === undefined ? out : withoutContentLength(out));
    if (transform === undefined) this.sink = res;
    else {
      this.transform = transform;
      this.sink = transform;
      transform.pipe(res);
    }
  }

  body(chunk: Buffer): boolean {
    const sink = this.sink;
    if (sink === undefined || this.exchange.res.destroyed) return true; // the client left: the call is being destroyed
    for (const tap of this.upstreamTaps) tap.chunk?.(chunk);
    if (sink.write(chunk)) return true;
    // One read can hold many chunks, each refused while the client is behind: wait for one drain.
    if (!this.awaitingDrain) {
      this.awaitingDrain = true;
      sink.once('drain', () => {
        this.awaitingDrain = false;
        this.exchange.upstreamCall?.resume();
      });
    }
    return false;
  }

  end(): void {
    this.sink?.end();
    this.endTaps(true);
  }

  error(error: Error): void {
    const { res } = this.exchange;
    if (!res.headersSent) {
      this.owner.fail(this.exchange, error);
      return;
    }
    // An upstream that dies mid-body must not leave the client waiting for the rest.
    res.destroy();
    this.endTaps(false);
  }

  private attachTaps(taps: readonly ResponseTap[], transform: Transform | undefined): void {
    this.upstreamTaps = taps.filter((tap) => tap.chunk !== undefined && (transform === undefined || tap.afterTransform !== true));
    if (transform === undefined) return;
    const clientTaps = taps.filter((tap) => tap.chunk !== undefined && tap.afterTransform === true);
    this.clientTaps = clientTaps;
    if (clientTaps.length > 0) transform.on('data', (chunk: Buffer) => clientTaps.forEach((tap) => tap.chunk?.(chunk)));
  }

  /** Tells the taps the body ended; what the transform still holds reaches its taps first. */
  private endTaps(complete: boolean): void {
    const taps = this.exchange.taps;
    if (taps === undefined || this.tapsEnded) return;
    this.tapsEnded = true;
    const notify = (error?: Error | null): void => {
      for (const tap of taps) tap.end?.(complete && !error);
    };
    const transform = this.transform;
    if (this.clientTaps.length > 0 && complete && transform !== undefined && !transform.readableEnded) finished(transform, { writable: false }, notify);
    else notify();
  }
}
