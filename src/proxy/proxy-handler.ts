import type { IncomingMessage, ServerResponse, ClientRequest } from 'node:http';
import { ERROR_CATALOGUE, defaultErrorBody, isProxyError, renderErrorBody, type ErrorCode } from '../errors.js';
import type { EventBus } from '../events/index.js';
import { nanosHeader, unixMicros } from './clock.js';
import { appendCorsHeaders, preflightHeaders } from './cors.js';
import { buildUpstreamHeaders, copyResponseHeaders } from './headers.js';
import type { ParamWhitelist } from './param-whitelist.js';
import type { RequestPolicy } from './request-policy.js';
import { pathOf } from './request-policy.js';
import { pickRequestId } from './request-id.js';
import type { Admission, TokenAuthenticator } from './token-auth.js';
import { upstreamErrorCode, type Upstream } from './upstream.js';

/** The slice of a pino logger the data path uses. */
export interface ProxyLogger {
  warn(fields: object, message: string): void;
}

export interface ProxyHandlerOptions {
  readonly policy: RequestPolicy;
  readonly whitelist: ParamWhitelist;
  readonly auth: TokenAuthenticator;
  readonly upstream: Upstream;
  readonly events: EventBus;
  readonly log: ProxyLogger;
  readonly maxRequestBytes: number;
}

export interface ProxyHandler {
  /** Serves one request on /v1/*. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const X_REQUEST_START = /^\d{1,20}$/;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function isJson(req: IncomingMessage): boolean {
  return req.headers['content-type']?.toLowerCase().startsWith('application/json') === true;
}

/**
 * The data path: policy → token → swap the key → stream to the upstream and back. Runs on the
 * bare node:http request (not a framework route): every microsecond here is paid per call.
 */
export function createProxyHandler(options: ProxyHandlerOptions): ProxyHandler {
  const { policy, whitelist, auth, upstream, events, log, maxRequestBytes } = options;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const startedMicros = unixMicros();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const headers = req.headers;
    const requestId = pickRequestId(headers['x-request-id']);
    const origin = headers.origin;
    let admission: Admission | undefined;
    let upstreamRequest: ClientRequest | undefined;
    let upstreamMs: number | null = null;
    let errorCode: ErrorCode | null = null;

    res.on('close', () => {
      const aborted = !res.writableFinished;
      if (aborted && upstreamRequest !== undefined && !upstreamRequest.destroyed) upstreamRequest.destroy();
      if (!events.hasSubscribers) return;
      events.publish({
        request_id: requestId,
        method,
        path: pathOf(url),
        status: res.headersSent ? res.statusCode : 0,
        started_at: new Date(startedMicros / 1000).toISOString(),
        duration_ms: (unixMicros() - startedMicros) / 1000,
        upstream_ms: upstreamMs,
        project_id: admission?.projectId ?? null,
        token_id: admission?.tokenId ?? null,
        error_code: errorCode,
        aborted,
      });
    });

    /** Answers with an error body, unless something was already answered for this request. */
    function respondError(code: ErrorCode, message?: string): void {
      if (errorCode !== null) return;
      errorCode = code;
      if (res.destroyed) return;
      if (res.headersSent) {
        res.destroy(); // mid-stream: the only way left to tell the client the body is incomplete
        return;
      }
      const body = message === undefined ? defaultErrorBody(code) : renderErrorBody(code, message);
      const out = ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(body)), 'X-Request-ID', requestId];
      if (origin !== undefined) appendCorsHeaders(out, origin);
      // The rest of an oversized body is never read: close the connection instead of reusing it.
      if (code === 'request_too_large') out.push('Connection', 'close');
      res.writeHead(ERROR_CATALOGUE[code].status, out);
      res.end(body);
    }

    function fail(error: unknown): void {
      if (res.destroyed) {
        errorCode ??= 'canceled';
        return;
      }
      const code: ErrorCode = isProxyError(error) ? error.code : upstreamErrorCode(error);
      if (code === 'service_unavailable' || code === 'upstream_unreachable' || code === 'timeout' || code === 'upstream_auth_error') {
        log.warn({ request_id: requestId, code, err: error }, 'proxy request failed');
      }
      const custom = isProxyError(error) && error.message !== ERROR_CATALOGUE[code].message;
      respondError(code, custom ? error.message : undefined);
    }

    if (method === 'OPTIONS') {
      if (origin === undefined) {
        res.writeHead(204, ['X-Request-ID', requestId]).end();
      } else if (!policy.isOriginAllowed(origin)) {
        respondError('origin_not_allowed');
      } else {
        const out = preflightHeaders(origin, headers['access-control-request-headers']);
        out.push('X-Request-ID', requestId);
        res.writeHead(204, out).end();
      }
      return;
    }

    const refused = policy.check(method, url, origin);
    if (refused !== undefined) {
      respondError(refused);
      return;
    }
    const declaredLength = headers['content-length'];
    if (declaredLength !== undefined && Number(declaredLength) > maxRequestBytes) {
      respondError('request_too_large');
      return;
    }

    const cached = auth.admitCached(headers.authorization);
    if (cached !== undefined) forward(cached);
    else auth.admit(headers.authorization).then(forward, fail);

    function forward(admitted: Admission): void {
      admission = admitted;
      if (res.destroyed) return; // the client left while its token was checked
      const upstreamHeaders = buildUpstreamHeaders(headers, upstream.hostHeader, admitted.upstreamAuthorization);
      if (!whitelist.isEmpty && method === 'POST' && isJson(req)) {
        readBody().then((body) => {
          if (body === undefined) return;
          let parsed: unknown;
          try {
            parsed = JSON.parse(body.toString('utf8'));
          } catch {
            parsed = undefined; // not JSON: the upstream answers for it
          }
          const message = whitelist.check(parsed);
          if (message !== undefined) {
            respondError('param_not_allowed', message);
            return;
          }
          send(upstreamHeaders, body);
        }, fail);
        return;
      }
      send(upstreamHeaders, undefined);
    }

    /** Buffers the request body (only when a policy must read it), bounded by MAX_REQUEST_SIZE. */
    function readBody(): Promise<Buffer | undefined> {
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxRequestBytes) {
            req.removeAllListeners('data');
            req.resume();
            respondError('request_too_large');
            resolve(undefined);
            return;
          }
          chunks.push(chunk);
        });
        req.once('end', () => resolve(Buffer.concat(chunks, size)));
        req.once('error', reject);
      });
    }

    function send(upstreamHeaders: string[], bufferedBody: Buffer | undefined): void {
      const sentMicros = unixMicros();
      const outgoing = upstream.request(method, url, upstreamHeaders);
      upstreamRequest = outgoing;

      outgoing.on('response', (upstreamResponse) => {
        const receivedMicros = unixMicros();
        upstreamMs = (receivedMicros - sentMicros) / 1000;
        const out = copyResponseHeaders(
          upstreamResponse.headers,
          ['X-Request-ID', requestId, 'X-UPSTREAM-REQUEST-START', nanosHeader(sentMicros), 'X-UPSTREAM-REQUEST-STOP', nanosHeader(receivedMicros)],
          origin !== undefined,
        );
        const clientStart = headers['x-request-start'];
        if (typeof clientStart === 'string' && X_REQUEST_START.test(clientStart)) out.push('X-REQUEST-START', clientStart);
        if (origin !== undefined) appendCorsHeaders(out, origin);
        res.writeHead(upstreamResponse.statusCode ?? 502, out);
        // An upstream that dies mid-body must not leave the client waiting for the rest.
        upstreamResponse.on('close', () => {
          if (!upstreamResponse.complete) res.destroy();
        });
        upstreamResponse.pipe(res);
      });
      outgoing.on('error', fail);

      if (bufferedBody !== undefined) {
        outgoing.end(bufferedBody);
      } else if (hasBody(req)) {
        if (headers['content-length'] === undefined) limitStreamedBody(outgoing);
        req.pipe(outgoing);
      } else {
        outgoing.end();
      }
    }

    /** A chunked body has no declared length: count it as it streams. */
    function limitStreamedBody(outgoing: ClientRequest): void {
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxRequestBytes && !outgoing.destroyed) {
          req.unpipe(outgoing);
          outgoing.destroy();
          respondError('request_too_large');
        }
      });
    }
  }

  return { handle };
}
