import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CATALOGUE, ProxyError, defaultErrorBody, isProxyError, renderErrorBody, type ErrorCode } from '../errors.js';
import { unixMicros } from './clock.js';
import { allowedMethodsHeader, appendCorsHeaders, preflightHeaders } from './cors.js';
import { Exchange } from './exchange.js';
import { buildUpstreamHeaders } from './headers.js';
import { MAX_DRAIN_BYTES, type BodyReader } from './request-body.js';
import type { RequestPolicy } from './request-policy.js';
import { ResponseRelay, type RelayOwner } from './response-relay.js';
import type { ProxyStage } from './stage.js';
import { upstreamKeyRefusal, type Admission, type TokenAuthenticator } from './token-auth.js';
import { UpstreamRequestError, upstreamErrorCode, type Upstream, type UpstreamCall } from './upstream.js';

/** The slice of a pino logger the data path uses. */
export interface ProxyLogger {
  warn(fields: object, message: string): void;
}

export interface ProxyHandlerOptions {
  readonly policy: RequestPolicy;
  readonly allowedMethods: readonly string[];
  readonly auth: TokenAuthenticator;
  readonly upstream: Upstream;
  readonly bodyReader: BodyReader;
  /** In order; see stage.ts for what each hook may do. */
  readonly stages: readonly ProxyStage[];
  readonly log: ProxyLogger;
  readonly maxRequestBytes: number;
}

export interface ProxyHandler {
  /** Serves one request on /v1/*; `expectsContinue` for node's checkContinue (Expect: 100-continue). */
  handle(req: IncomingMessage, res: ServerResponse, expectsContinue?: boolean): void;
  /** From now on every answer carries Connection: close, so keep-alive clients leave cleanly. */
  startDraining(): void;
}

/**
 * Bodies up to this size are read before the upstream is called: a client that trickles its body
 * holds no upstream connection, and the upstream gets the request in one write.
 */
const SMALL_BODY_BYTES = 64 * 1024;

/** Refusals that retrying cannot fix: clients are told not to (x-should-retry, honoured by the OpenAI SDKs). */
const FINAL_REFUSALS = new Set<ErrorCode>([
  'invalid_token',
  'token_not_found',
  'token_inactive',
  'token_expired',
  'token_quota_exhausted',
  'project_inactive',
  'origin_not_allowed',
]);

/** Refusals of a request that never fully reached the upstream: a counted token gets its request back. */
const REFUNDED = new Set<ErrorCode>(['upstream_busy', 'upstream_unreachable', 'request_too_large', 'body_timeout']);

/** Failures worth a warning in the server log (the rest are the client's own doing). */
const LOGGED = new Set<ErrorCode>(['service_unavailable', 'upstream_unreachable', 'timeout', 'upstream_auth_error', 'upstream_busy']);

function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  return length === undefined ? undefined : Number(length);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The data path, as a pipeline (see stage.ts): policy → authentication → optional body →
 * before-upstream stages → count the token → upstream, streamed both ways with backpressure →
 * response taps → completion stages. Runs on the bare node:http request, not a framework route:
 * every microsecond here is paid per call, and stages that are off cost nothing.
 */
export function createProxyHandler(options: ProxyHandlerOptions): ProxyHandler {
  const { policy, auth, upstream, bodyReader, log, maxRequestBytes } = options;
  const bodyStages = options.stages.filter((stage) => stage.needsBody !== undefined);
  const beforeStages = options.stages.filter((stage) => stage.beforeUpstream !== undefined);
  const completeStages = options.stages.filter((stage) => stage.complete !== undefined);
  const allowedMethods = allowedMethodsHeader(options.allowedMethods);
  let draining = false;
  const relayOwner: RelayOwner = {
    fail: (exchange, error) => fail(exchange, error),
    get draining() {
      return draining;
    },
  };

  function complete(exchange: Exchange): void {
    if (exchange.aborted) {
      exchange.upstreamCall?.destroy();
      exchange.errorCode ??= 'canceled';
    }
    for (const stage of completeStages) stage.complete?.(exchange);
  }

  /** Answers with an error body, unless something was already answered for this request. */
  function respondError(exchange: Exchange, code: ErrorCode, message?: string, headers?: readonly string[]): void {
    if (exchange.errorCode !== null) return;
    exchange.errorCode = code;
    // A client waiting for 100-continue, or stuck mid-body, leaves unread bytes behind: close after the answer.
    writeError(exchange, code, message, exchange.awaitingContinue || code === 'body_timeout', headers);
  }

  function writeError(exchange: Exchange, code: ErrorCode, message: string | undefined, closeConnection: boolean, headers?: readonly string[]): void {
    const { res } = exchange;
    if (res.destroyed) return;
    if (res.headersSent) {
      res.destroy(); // mid-stream: the only way left to tell the client the body is incomplete
      return;
    }
    const body = message === undefined ? defaultErrorBody(code) : renderErrorBody(code, message);
    const out = ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(body)), 'X-Request-ID', exchange.requestId];
    if (FINAL_REFUSALS.has(code)) out.push('x-should-retry', 'false');
    if (code === 'upstream_busy') out.push('Retry-After', '1');
    if (headers !== undefined) out.push(...headers);
    if (exchange.origin !== undefined) appendCorsHeaders(out, exchange.origin);
    if (closeConnection || draining) out.push('Connection', 'close');
    res.writeHead(ERROR_CATALOGUE[code].status, out);
    res.end(body);
  }

  function fail(exchange: Exchange, error: unknown): void {
    if (exchange.errorCode !== null) return; // already failing: the first reason is the one reported
    const code: ErrorCode = isProxyError(error) ? error.code : upstreamErrorCode(error);
    if (exchange.consumed && REFUNDED.has(code) && exchange.admission !== undefined) {
      exchange.consumed = false;
      auth.refund(exchange.admission).catch((refundError: unknown) => log.warn({ request_id: exchange.requestId, err: refundError }, 'refund failed'));
    }
    if (exchange.res.destroyed) {
      exchange.errorCode = 'canceled';
      return;
    }
    if (LOGGED.has(code) || error instanceof UpstreamRequestError) log.warn({ request_id: exchange.requestId, code, err: error }, 'proxy request failed');
    const custom = isProxyError(error) && error.message !== ERROR_CATALOGUE[code].message;
    if (code !== 'request_too_large' || exchange.req.complete || exchange.awaitingContinue) {
      respondError(exchange, code, custom ? error.message : undefined, isProxyError(error) ? error.headers : undefined);
      return;
    }
    // The client is still sending: read the rest so it is listening when the 413 comes.
    exchange.errorCode = code;
    bodyReader.drain(exchange.req, MAX_DRAIN_BYTES).then((drained) => writeError(exchange, code, undefined, !drained));
  }

  function preflight(exchange: Exchange): void {
    const { origin, res } = exchange;
    if (origin === undefined) {
      res.writeHead(204, ['X-Request-ID', exchange.requestId]).end();
    } else if (!policy.isOriginAllowed(origin)) {
      respondError(exchange, 'origin_not_allowed');
    } else {
      const out = preflightHeaders(origin, exchange.req.headers['access-control-request-headers'], allowedMethods);
      out.push('X-Request-ID', exchange.requestId);
      res.writeHead(204, out).end();
    }
  }

  function authenticated(exchange: Exchange, admission: Admission): void {
    exchange.admission = admission;
    const { req, res } = exchange;
    if (res.destroyed) return; // the client left while its token was checked
    if (exchange.awaitingContinue) {
      exchange.awaitingContinue = false;
      res.writeContinue();
    }
    const length = declaredLength(req);
    const wantsBody =
      (length !== undefined && length > 0 && length <= SMALL_BODY_BYTES) || bodyStages.some((stage) => stage.needsBody?.(exchange) === true);
    if (!wantsBody || !hasBody(req)) {
      runStages(exchange);
      return;
    }
    bodyReader.read(req, maxRequestBytes, (error, body) => {
      if (error !== undefined) return fail(exchange, error);
      exchange.requestBody = body;
      runStages(exchange);
    });
  }

  /**
   * Runs the beforeUpstream stages from `first` on, synchronously while they answer synchronously
   * (the common case: no promise, no microtask per request), then counts and sends the request.
   */
  function runStages(exchange: Exchange, first = 0): void {
    for (let index = first; index < beforeStages.length; index++) {
      if (exchange.res.destroyed) return;
      const stage = beforeStages[index] as ProxyStage;
      let result: ReturnType<NonNullable<ProxyStage['beforeUpstream']>>;
      try {
        result = stage.beforeUpstream?.(exchange);
      } catch (error) {
        fail(exchange, error);
        return;
      }
      if (result instanceof Promise) {
        result.then(
          (answered) => {
            if (answered !== true) runStages(exchange, index + 1);
          },
          (error: unknown) => fail(exchange, error),
        );
        return;
      }
      if (result === true) return;
    }
    consume(exchange);
  }

  /** Counts the request against its token, then sends it; a full upstream queue refuses it uncounted. */
  function consume(exchange: Exchange): void {
    const admission = exchange.admission as Admission;
    if (exchange.res.destroyed) return;
    const keyRefused = upstreamKeyRefusal(admission);
    if (keyRefused !== undefined) {
      fail(exchange, keyRefused);
      return;
    }
    if (upstream.isSaturated()) {
      fail(exchange, new ProxyError('upstream_busy'));
      return;
    }
    const counting = auth.consume(admission);
    exchange.consumed = true;
    if (counting === undefined) send(exchange, admission);
    else
      counting.then(
        () => send(exchange, admission),
        (error: unknown) => {
          exchange.consumed = false;
          fail(exchange, error);
        },
      );
  }

  function send(exchange: Exchange, admission: Admission): void {
    const { req, requestBody } = exchange;
    if (exchange.res.destroyed) return;
    const headers = buildUpstreamHeaders(req.headers, upstream.hostHeader, admission.upstreamAuthorization, admission.upstreamHeaders, requestBody?.length);
    const streamsBody = requestBody === undefined && hasBody(req);
    const relay = new ResponseRelay(exchange, relayOwner);
    let call: UpstreamCall;
    exchange.sentMicros = unixMicros();
    try {
      call = upstream.request(exchange.method, exchange.url, headers, requestBody ?? (streamsBody ? req : undefined), relay);
    } catch (error) {
      fail(exchange, error);
      return;
    }
    exchange.upstreamCall = call;
    if (streamsBody && req.headers['content-length'] === undefined) limitStreamedBody(exchange, call);
  }

  /** A chunked body has no declared length: count it as it streams, and cut it at the limit. */
  function limitStreamedBody(exchange: Exchange, call: UpstreamCall): void {
    const { req } = exchange;
    let size = 0;
    const count = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxRequestBytes) return;
      req.removeListener('data', count);
      call.destroy(); // the upstream never gets a complete request
      fail(exchange, new ProxyError('request_too_large'));
    };
    req.on('data', count);
  }

  function handle(req: IncomingMessage, res: ServerResponse, expectsContinue = false): void {
    const exchange = new Exchange(req, res);
    exchange.awaitingContinue = expectsContinue;
    res.once('close', () => complete(exchange));

    if (exchange.method === 'OPTIONS') {
      preflight(exchange);
      return;
    }
    const refused = policy.check(exchange.method, exchange.url, exchange.origin);
    if (refused !== undefined) {
      respondError(exchange, refused);
      return;
    }
    const length = declaredLength(req);
    if (length !== undefined && length > maxRequestBytes) {
      // With Expect: 100-continue nothing was sent yet: refuse at once and close.
      fail(exchange, new ProxyError('request_too_large'));
      return;
    }
    const header = req.headers.authorization;
    const cached = auth.authenticateCached(header);
    if (cached !== undefined) authenticated(exchange, cached);
    else
      auth.authenticate(header).then(
        (admission) => authenticated(exchange, admission),
        (error: unknown) => fail(exchange, error),
      );
  }

  return {
    handle,
    startDraining() {
      draining = true;
    },
  };
}
